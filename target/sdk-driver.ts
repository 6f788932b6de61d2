// The sdk driver: every call goes through @aws-sdk/client-marketplace-metering, so a
// serializer or error-parsing regression in the SDK shows up as rule failures. It judges
// what an application sees: the typed exception class, the parsed output, $metadata.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Transform, type Readable } from 'node:stream';
import * as Sdk from '@aws-sdk/client-marketplace-metering';
import type { TargetDescription } from '../core/description.js';
import { isRealServiceHost, realServiceRefusal } from './guard.js';
import { trustedAuthorities } from './reach.js';
import type { SdkModule } from './sdk-load.js';
export { loadSdk } from './sdk-load.js';
import { TargetError, type CallOptions, type Credentials, type Exchange, type Operation, type OperationInput, type Outcome, type Target } from './types.js';
import { THROTTLING_ERRORS } from '../core/wire.js';

// The SDK warns on Node 20 about its own future releases; that is not a finding of the run
// and would only clutter its output (set the variable to "false" to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Command = new (input: never) => Sdk.$Command<never, never, never, never, never>;

/** The command class of each operation, from the client module under test. */
function commandsOf(sdk: SdkModule): Record<Operation, Command> {
  return {
    MeterUsage: sdk.MeterUsageCommand as unknown as Command,
    BatchMeterUsage: sdk.BatchMeterUsageCommand as unknown as Command,
    RegisterUsage: sdk.RegisterUsageCommand as unknown as Command,
    ResolveCustomer: sdk.ResolveCustomerCommand as unknown as Command,
  };
}

/**
 * The modeled exception classes of the client module under test, by name: an error is typed
 * only if it is an instance of its class (of that module: a copy given with --sdk has its own).
 */
function exceptionClassesOf(sdk: SdkModule): Record<string, new (...args: never[]) => Error> {
  return Object.fromEntries(
    Object.entries(sdk).filter(([name, value]) => name.endsWith('Exception') && typeof value === 'function' && name !== 'MarketplaceMeteringServiceException'),
  ) as Record<string, new (...args: never[]) => Error>;
}

interface Captured {
  request?: Exchange['request'];
  response?: { status: number; headers: Record<string, string> };
}

const REDACT = /Signature=[0-9a-f]+|Credential=[^/,\s]+/gi;

export interface SdkTargetOptions {
  /** Time limit of one call, retries included, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Larger response bodies are a harness error, not something to buffer (default 1 MiB). */
  maxResponseBytes?: number;
  /** Hosts of the real service are refused unless this is set (then wrap with dryRunOnly). */
  allowRealService?: boolean;
  /** The client module to call through (loadSdk of `run --sdk PATH`); default: the installed one. */
  sdk?: SdkModule;
}

class ResponseNotUsable extends Error {
  override readonly name = 'ResponseNotUsable';
}

/**
 * The response body as the SDK's deserializer will read it, bounded in size; an empty body
 * on a 2xx is refused too, as the raw driver does (the SDK would read it as `{}`).
 */
function boundedBody(body: Readable, status: number, declaredLength: string | undefined, limit: number): Readable {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    body.destroy();
    throw new ResponseNotUsable(`answered with a body larger than ${limit} bytes; stopped reading`);
  }
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        done(new ResponseNotUsable(`answered with a body larger than ${limit} bytes; stopped reading`));
      } else done(null, chunk);
    },
    flush(done) {
      done(status >= 200 && status < 300 && size === 0 ? new ResponseNotUsable(`answered HTTP ${status} with an empty body; expected a JSON object`) : null);
    },
  });
  body.on('error', (error) => counted.destroy(error));
  return body.pipe(counted);
}

export function createSdkTarget(description: TargetDescription, options: SdkTargetOptions = {}): Target {
  const url = new URL(description.endpoint);
  if (isRealServiceHost(url.hostname) && !options.allowRealService) throw new TargetError(realServiceRefusal(url.host));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1 << 20;
  // A private authority is trusted as by the other drivers. A proxy is not used: the AWS SDK for
  // JavaScript v3 does not read HTTPS_PROXY itself (the run says so in a note).
  const ca = trustedAuthorities(description.reach);
  const agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 32, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 32 });
  const sdk = options.sdk ?? Sdk;
  const COMMANDS = commandsOf(sdk);
  const EXCEPTION_CLASSES = exceptionClassesOf(sdk);
  const clients = new Map<string, Sdk.MarketplaceMeteringClient>();

  /** A client per caller, Region and attempt count (one for calls that judge a throttled answer itself). */
  function clientFor(credentials: Credentials, region: string, maxAttempts: number): Sdk.MarketplaceMeteringClient {
    const key = `${credentials.accessKeyId}\0${credentials.secretAccessKey}\0${region}\0${maxAttempts}`;
    let client = clients.get(key);
    if (!client) {
      client = new sdk.MarketplaceMeteringClient({
        endpoint: description.endpoint,
        region,
        credentials,
        maxAttempts,
        requestHandler: {
          connectionTimeout: Math.min(5_000, timeoutMs),
          requestTimeout: timeoutMs,
          // Without this the SDK only logs a warning when the limit passes, and waits on.
          throwOnRequestTimeout: true,
          httpAgent: agent,
          httpsAgent: agent,
        } as never,
      });
      if (clients.size > 256) clients.clear();
      clients.set(key, client);
    }
    return client;
  }

  async function call(operation: Operation, input: OperationInput, options: CallOptions = {}): Promise<Outcome> {
    const client = clientFor(options.credentials ?? description.credentials, options.region ?? description.region, options.singleAttempt ? 1 : 3);
    const captured: Captured = {};
    const startedAtMs = Date.now();
    const command = new COMMANDS[operation](input as never);
    // Record the signed wire request (after signing) and the response head (before the SDK
    // parses it, so error answers keep their headers too), for counterexamples and curl lines.
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method: string; protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string>; body?: unknown };
        captured.request = {
          method: request.method,
          url: `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`,
          headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), redactHeader(k.toLowerCase(), String(v))])),
          // The serializer leaves a string; a middleware may have turned it into bytes.
          body: typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? Buffer.from(request.body).toString('utf8') : '',
        };
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'conformanceCaptureRequest' },
    );
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const response = result.response as { statusCode: number; headers: Record<string, string>; body: Readable };
        captured.response = { status: response.statusCode, headers: lowerKeys(response.headers) };
        // Inside the SDK's deserializer: it reads the body through the bound.
        response.body = boundedBody(response.body, response.statusCode, captured.response.headers['content-length'], maxResponseBytes);
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'conformanceCaptureResponse' },
    );
    const exchange = (): Exchange => ({
      request: captured.request ?? { method: 'POST', url: description.endpoint, headers: {}, body: '' },
      ...(captured.response ? { response: { ...captured.response, body: '' } } : {}),
      ...(options.region !== undefined ? { signedRegion: options.region } : {}),
      startedAtMs,
      durationMs: Date.now() - startedAtMs,
    });
    try {
      const output = (await client.send(command as never, { abortSignal: AbortSignal.timeout(timeoutMs) })) as Record<string, unknown> & { $metadata: Sdk.MeterUsageCommandOutput['$metadata'] };
      const { $metadata, ...rest } = output;
      return {
        kind: 'success',
        status: $metadata.httpStatusCode ?? 200,
        ...($metadata.requestId ? { requestId: $metadata.requestId } : {}),
        headers: captured.response?.headers ?? {},
        retries: Math.max(0, ($metadata.attempts ?? 1) - 1),
        exchange: exchange(),
        output: rest,
      };
    } catch (error) {
      const e = error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number }; message: string };
      const status = e.$metadata?.httpStatusCode;
      // The SDK appends a hint about $response to deserialization errors; the first line is ours.
      if (e instanceof ResponseNotUsable) throw new TargetError(e.message.split('\n')[0], exchange());
      // The SDK names a reset connection a TimeoutError too; its code tells them apart.
      const code = (error as { code?: string }).code;
      if (code === 'ECONNRESET' || code === 'EPIPE') throw new TargetError('closed or reset the connection before answering', exchange());
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new TargetError(`did not finish answering within ${timeoutMs} ms`, exchange());
      if (!e.$fault || status === undefined) {
        throw new TargetError(`could not be reached or answered garbage through the SDK: ${e.name}: ${e.message}`, exchange());
      }
      if (THROTTLING_ERRORS.has(e.name) && !options.singleAttempt) throw new TargetError(`target answered ${e.name} on every attempt the SDK made`, exchange());
      const name = e.name;
      const typedClass = EXCEPTION_CLASSES[name];
      // A modeled error that is not an instance of its class is what an application would miss.
      const errorType = typedClass && !(e instanceof typedClass) ? `${name} (not an instance of the SDK class)` : name;
      return {
        kind: 'error',
        status,
        ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
        headers: captured.response?.headers ?? {},
        retries: Math.max(0, (e.$metadata?.attempts ?? 1) - 1),
        exchange: exchange(),
        errorType,
        ...(e.message ? { message: e.message } : {}),
      };
    }
  }

  return {
    driver: 'sdk',
    call,
    async close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
      agent.destroy();
    },
  };
}

function redactHeader(name: string, value: string): string {
  if (name === 'authorization') return value.replace(REDACT, (m) => `${m.split('=')[0]}=<redacted>`);
  return name === 'x-amz-security-token' ? '<redacted>' : value;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

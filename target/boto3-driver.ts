// The boto3 driver: every call goes through boto3 (botocore) in a Python adapter process
// (target/boto3-adapter.py), so a serializer, retry or error-parsing regression of the Python
// SDK shows up as rule failures. Like the sdk driver it judges what an application sees: the
// modeled exception class, the parsed output, ResponseMetadata; the wire requests are those
// botocore sent (its before-send event), so rules see the whole-second timestamps it writes.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BOTO3_ADAPTER_PATH } from '../core/paths.js';
import { ConfigError } from './config.js';
import type { TargetDescription } from '../core/description.js';
import { isRealServiceHost, realServiceRefusal } from './guard.js';
import { TargetError, type CallOptions, type Exchange, type Operation, type OperationInput, type Outcome, type Target } from './types.js';
import { sanitizeErrorType, THROTTLING_ERRORS } from '../core/wire.js';

export interface Boto3TargetOptions {
  /** Python interpreter with boto3 installed (default python3). */
  python?: string;
  /** A boto3/botocore source tree put first on the adapter's sys.path (--sdk PATH). */
  sdk?: string;
  /** Time limit of one call, retries included, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Larger response bodies are a harness error, not something to hand on (default 1 MiB). */
  maxResponseBytes?: number;
  /** Hosts of the real service are refused unless this is set (then wrap with dryRunOnly). */
  allowRealService?: boolean;
  /** Calls in flight at once in the adapter (its thread pool; default 8). */
  threads?: number;
}

/** One attempt as the adapter recorded it (botocore's before-send and response-received events). */
interface AdapterAttempt {
  request: Exchange['request'];
  response?: { status: number; headers: Record<string, string>; body: string };
  startedAtMs?: number;
  durationMs?: number;
  error?: string;
}

type AdapterAnswer =
  | { id: number; kind: 'success'; status: number; requestId?: string; headers: Record<string, string>; retries: number; output: Record<string, unknown>; attempts: AdapterAttempt[] }
  | {
      id: number;
      kind: 'error';
      errorClass: string;
      code: string;
      message?: string;
      status?: number;
      requestId?: string;
      headers: Record<string, string>;
      retries: number;
      attempts: AdapterAttempt[];
    }
  | { id: number; kind: 'failure'; reason: string; message: string; attempts: AdapterAttempt[] };

interface Pending {
  resolve(answer: AdapterAnswer): void;
  reject(error: Error): void;
}

/** What the adapter's probe says about the Python SDK of the run. */
export interface Boto3Probe {
  name: 'boto3';
  version: string;
  /** Where boto3 was imported from. */
  location: string;
  botocoreVersion: string;
  botocoreLocation: string;
  python: string;
  /** Model paths (operations.X, shapes.S, shapes.S.members.M) of the run's model that botocore's model lacks. */
  missingMembers: string[];
}

/** The adapter's command line (--sdk puts a source tree first on sys.path). */
function adapterArgs(sdk: string | undefined, extra: string[] = []): string[] {
  return ['-u', BOTO3_ADAPTER_PATH, ...(sdk !== undefined ? ['--sdk', sdk] : []), ...extra];
}

/** The one-line ConfigError for a Python without boto3, or no Python at all. */
function missingPython(python: string, code: string | undefined): ConfigError {
  return new ConfigError(
    code === 'ENOENT'
      ? `--driver boto3: no Python interpreter "${python}" (install Python 3 with boto3, e.g. "python3 -m pip install boto3", or name one with --python PATH)`
      : `--driver boto3: cannot run "${python}" (${code ?? 'unknown error'}); name a Python 3 interpreter with --python PATH`,
  );
}

/**
 * boto3's name, version and location, and what its botocore model of the service lacks
 * compared with the run's model (`modelPath`). For the main process, before a run: a missing
 * Python or boto3 is a ConfigError (exit 2) saying what to install.
 */
export function probeBoto3(options: { python?: string; sdk?: string; modelPath?: string } = {}): Boto3Probe {
  const python = options.python ?? 'python3';
  const result = spawnSync(python, adapterArgs(options.sdk, ['--probe', ...(options.modelPath !== undefined ? ['--model', options.modelPath] : [])]), {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 1 << 20,
  });
  if (result.error) throw missingPython(python, (result.error as NodeJS.ErrnoException).code);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  let answer: Record<string, unknown> | undefined;
  try {
    answer = JSON.parse(line) as Record<string, unknown>;
  } catch {
    answer = undefined;
  }
  if (answer && typeof answer.missing === 'string') {
    const where = options.sdk !== undefined ? ` (nor in --sdk ${options.sdk})` : '';
    throw new ConfigError(`--driver boto3: ${python} (Python ${String(answer.python)}) has no ${answer.missing}${where}: install it with "${python} -m pip install boto3", or name another interpreter with --python PATH`);
  }
  if (result.status !== 0 || !answer || typeof answer.boto3 !== 'object') {
    const last = lastLine(result.stderr) || lastLine(result.stdout) || `exit code ${result.status}`;
    throw new ConfigError(`--driver boto3: the boto3 probe with ${python} failed: ${last}`);
  }
  const boto3 = answer.boto3 as { version: string; location: string };
  const botocore = answer.botocore as { version: string; location: string };
  return {
    name: 'boto3',
    version: boto3.version,
    location: boto3.location,
    botocoreVersion: botocore.version,
    botocoreLocation: botocore.location,
    python: String(answer.python),
    missingMembers: Array.isArray(answer.missingMembers) ? (answer.missingMembers as string[]) : [],
  };
}

function lastLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n').pop()?.trim() ?? '';
}

/**
 * The input as JSON, with the paths of its timestamps (epoch ms): the adapter turns them back
 * into datetimes before boto3 serializes them. (The service model has no blob members.)
 */
export function encodeBoto3Input(input: OperationInput): { input: unknown; dates: (string | number)[][] } {
  const dates: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (value instanceof Date) {
      dates.push(path);
      return value.getTime();
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = walk(v, [...path, k]);
      return out;
    }
    return value;
  };
  return { input: walk(input, []), dates };
}

/** The exchange of a call: its last attempt, the retried ones before it. */
function exchangeOf(attempts: AdapterAttempt[], description: TargetDescription, options: CallOptions): Exchange {
  const toExchange = (a: AdapterAttempt, i: number): Exchange => ({
    request: a.request,
    ...(a.response ? { response: a.response } : {}),
    ...(a.startedAtMs !== undefined ? { startedAtMs: a.startedAtMs } : {}),
    ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
    attempt: i + 1,
    ...(a.error !== undefined ? { error: a.error } : {}),
    ...(options.region !== undefined ? { signedRegion: options.region } : {}),
  });
  if (attempts.length === 0) return { request: { method: 'POST', url: description.endpoint, headers: {}, body: '' }, ...(options.region !== undefined ? { signedRegion: options.region } : {}) };
  const exchanges = attempts.map(toExchange);
  const last = exchanges[exchanges.length - 1];
  return exchanges.length > 1 ? { ...last, earlierAttempts: exchanges.slice(0, -1) } : last;
}

export function createBoto3Target(description: TargetDescription, options: Boto3TargetOptions = {}): Target {
  const url = new URL(description.endpoint);
  if (isRealServiceHost(url.hostname) && !options.allowRealService) throw new TargetError(realServiceRefusal(url.host));
  const python = options.python ?? 'python3';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1 << 20;
  // An answer line holds the output and up to three attempts' recorded bodies (64 KiB each way).
  const maxLineBytes = maxResponseBytes + (1 << 20);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  /** Set once the adapter is gone: every later call fails with it. */
  let dead: TargetError | undefined;
  let stderrTail = '';
  let closing = false;

  const child: ChildProcessWithoutNullStreams = spawn(python, adapterArgs(options.sdk), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let resolveReady: () => void;
  let rejectReady: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // awaited by every call

  function die(error: TargetError): void {
    if (dead) return;
    dead = error;
    rejectReady(error);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  }

  child.on('error', (error: NodeJS.ErrnoException) => {
    die(new TargetError(error.code === 'ENOENT' ? `cannot start the boto3 adapter: no Python interpreter "${python}"` : `cannot start the boto3 adapter with ${python}: ${error.message}`));
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-8192);
  });
  child.on('exit', (code, signal) => {
    // stderr may still be draining: read its last line once it has ended.
    const report = () => {
      if (closing) die(new TargetError('the boto3 adapter was closed'));
      else die(new TargetError(`boto3 adapter exited (${signal ?? `code ${code}`}): ${lastLine(stderrTail) || 'no message on stderr'}`));
    };
    if (child.stderr.readableEnded) report();
    else child.stderr.once('end', report);
  });
  child.stdin.on('error', () => undefined); // a dead adapter is reported by 'exit'

  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) onLine(line);
    }
    if (buffered.length > maxLineBytes) {
      child.kill('SIGKILL');
      die(new TargetError(`the boto3 adapter wrote an answer longer than ${maxLineBytes} bytes`));
    }
  });

  function onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not ours (a stray print of botocore): ignore
    }
    if (message.ready === true) return resolveReady();
    if (typeof message.missing === 'string') return die(new TargetError(`the boto3 adapter's ${python} has no ${message.missing}`));
    if (typeof message.fatal === 'string') return die(new TargetError(`boto3 adapter: ${message.fatal}`));
    const waiting = pending.get(message.id as number);
    if (!waiting) return; // timed out already
    pending.delete(message.id as number);
    waiting.resolve(message as unknown as AdapterAnswer);
  }

  child.stdin.write(
    `${JSON.stringify({
      endpoint: description.endpoint,
      region: description.region,
      credentials: description.credentials,
      timeoutMs,
      maxResponseBytes,
      threads: options.threads ?? 8,
      // botocore reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY itself; a private authority is its verify.
      ...(description.reach?.caFile !== undefined ? { caFile: description.reach.caFile } : {}),
    })}\n`,
  );

  async function exchangeWithAdapter(request: Record<string, unknown>): Promise<AdapterAnswer> {
    if (dead) throw dead;
    const id = nextId++;
    return new Promise<AdapterAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new TargetError(`did not finish answering within ${timeoutMs} ms`));
      }, timeoutMs + 1_000);
      timer.unref();
      pending.set(id, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      // The time limit counts from here: waiting for the adapter to start is not the target's.
      ready.then(
        () => {
          if (pending.has(id)) child.stdin.write(`${JSON.stringify({ id, ...request })}\n`);
        },
        (error: Error) => pending.get(id)?.reject(error),
      );
    });
  }

  async function call(operation: Operation, input: OperationInput, callOptions: CallOptions = {}): Promise<Outcome> {
    const credentials = callOptions.credentials ?? description.credentials;
    const answer = await exchangeWithAdapter({
      operation,
      ...encodeBoto3Input(input),
      credentials,
      ...(callOptions.region !== undefined ? { region: callOptions.region } : {}),
      ...(callOptions.singleAttempt ? { singleAttempt: true } : {}),
    });
    const exchange = exchangeOf(answer.attempts ?? [], description, callOptions);
    if (answer.kind === 'failure') throw new TargetError(answer.message, exchange, answer.reason === 'reset');
    if (answer.kind === 'success') {
      return {
        kind: 'success',
        status: answer.status,
        ...(answer.requestId ? { requestId: answer.requestId } : {}),
        headers: answer.headers,
        retries: answer.retries,
        exchange,
        wholeSecondTimestamps: true,
        output: answer.output,
      };
    }
    // botocore names a code its model does not know a plain ClientError: the type is then the code.
    const errorType = answer.errorClass !== 'ClientError' ? answer.errorClass : sanitizeErrorType(answer.code);
    if (answer.status === undefined) throw new TargetError(`could not be reached or answered garbage through boto3: ${answer.errorClass}: ${answer.message ?? answer.code}`, exchange);
    if (THROTTLING_ERRORS.has(errorType) && !callOptions.singleAttempt) throw new TargetError(`target answered ${errorType} on every attempt boto3 made`, exchange);
    return {
      kind: 'error',
      status: answer.status,
      ...(answer.requestId ? { requestId: answer.requestId } : {}),
      headers: answer.headers,
      retries: answer.retries,
      exchange,
      errorType,
      ...(answer.message ? { message: answer.message } : {}),
    };
  }

  return {
    driver: 'boto3',
    call,
    async close() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      closing = true;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

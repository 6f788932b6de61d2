// What `metering-conformance init` learns about a target before writing its target.yaml, by
// requests that change nothing: the describe document the reference emulator publishes,
// whether moto's control plane answers a read-only path, and the run's preflight (one request
// per operation that records nothing, signed as `run` signs).
import { request } from 'undici';
import { CONTROL_TOKEN_ENV, type DescribedRequest, type Reach, type TargetDescription } from '../core/description.js';
import { ConfigError } from './config.js';
import { isRealServiceHost } from './guard.js';
import { answersInWords, noService, preflight, type PreflightAnswer } from './preflight.js';
import { sharedDispatcher } from './reach.js';
import { resolveTarget } from './resolve.js';

export interface SurveyOptions {
  endpoint: string;
  env: NodeJS.ProcessEnv;
  allowRealService?: boolean;
  /** Time limit of each request, in milliseconds. */
  timeoutMs: number;
  /** Certificate authorities trusted besides the system's (init --ca-file). */
  caFile?: string;
}

export interface TargetSurvey {
  /** Endpoint, region and credentials as `run --endpoint` resolves them, with the published fixtures and capabilities (or none). */
  description: TargetDescription;
  /** The target published a valid describe document. */
  publishes: boolean;
  /** moto's control plane answered (python3 -m moto.server). */
  moto: boolean;
  realService: boolean;
  /** The preflight's answer per operation it sent (the real service gets only DryRun MeterUsage and ResolveCustomer). */
  answers: PreflightAnswer[];
}

/**
 * moto's own state dump: read-only, at the root of every `moto.server`, answered with a JSON
 * object. Never anything under /moto-api/ that changes state (reset, seed).
 */
export const MOTO_STATE_PATH = '/moto-api/data.json';

/** moto's own reset of all its state, as target.yaml declares it (capabilities.reset); init never sends it. */
export const MOTO_RESET: DescribedRequest = { method: 'POST', path: '/moto-api/reset' };

/**
 * True when GET MOTO_STATE_PATH answers 200 with a body that opens a JSON object. Only the first
 * chunk is read: the dump holds every resource moto keeps, which may be large.
 */
async function answersLikeMoto(base: string, timeoutMs: number, reach: Reach | undefined): Promise<boolean> {
  try {
    const dispatcher = sharedDispatcher(new URL(base).origin, reach);
    const response = await request(`${base}${MOTO_STATE_PATH}`, { method: 'GET', ...(dispatcher !== undefined ? { dispatcher } : {}), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    const body = response.body;
    for await (const chunk of body) {
      body.destroy();
      return response.statusCode === 200 && (chunk as Buffer).toString('utf8').trimStart().startsWith('{');
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * Probes the target at `endpoint`. Throws a ConfigError (one line, exit 2) for a bad or refused
 * endpoint, one that cannot be reached, and one where no operation gets an awsJson answer.
 */
export async function surveyTarget(options: SurveyOptions): Promise<TargetSurvey> {
  // As run sends it: a target may guard its describe document with the control token.
  const controlToken = options.env[CONTROL_TOKEN_ENV] || undefined;
  const resolved = await resolveTarget({
    endpoint: options.endpoint,
    env: options.env,
    allowRealService: options.allowRealService === true,
    timeoutMs: options.timeoutMs,
    ...(controlToken !== undefined ? { controlToken } : {}),
    ...(options.caFile !== undefined ? { caFile: options.caFile } : {}),
  });
  const { description, publishes } = resolved;
  const realService = isRealServiceHost(new URL(description.endpoint).hostname);
  // A target that describes itself is not moto; the real service gets nothing but the preflight.
  const moto = !publishes && !realService && (await answersLikeMoto(description.endpoint, options.timeoutMs, description.reach));
  const { answers } = await preflight(description, { timeoutMs: options.timeoutMs, clockOffsetMs: resolved.clockOffsetMs, allowRealService: realService });
  if (noService(answers)) throw new ConfigError(`no awsJson metering service answered at ${description.endpoint}: ${answersInWords(answers)}`);
  return { description: moto ? { ...description, capabilities: { ...description.capabilities, reset: MOTO_RESET } } : description, publishes, moto, realService, answers };
}

// `metering-conformance init`: writes a target.yaml for a target, from what requests that change
// nothing learn about it (target/survey.ts), with every key still to fill commented.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import { CONTROL_PREFIX } from '../core/description.js';
import { loadModel } from '../core/model.js';
import { surveyTarget, MOTO_STATE_PATH, type TargetSurvey } from '../target/survey.js';
import { parseFlags, UsageError } from './args.js';
import { targetSkeleton, type Skeleton } from './target-skeleton.js';

export const INIT_HELP = `Usage: metering-conformance init --endpoint URL [options]

Writes a target.yaml skeleton for the target at URL: what it publishes about itself
(GET ${CONTROL_PREFIX}/describe), whether it is moto (GET ${MOTO_STATE_PATH}) and which
operations answer awsJson, learned only by requests that change nothing (an unknown product
with DryRun, an empty batch, a token nobody issued). Every key still to fill is a comment
with an example and the number of rules that need it. The file is valid as written.

Options:
  --endpoint URL   the target (required)
  --out FILE       where to write it (default: ./target.yaml)
  --force          overwrite FILE if it exists
  --ca-file FILE   trust this PEM file's certificate authorities too (a private CA); the
                   file written names it as caFile. HTTPS_PROXY, HTTP_PROXY and NO_PROXY
                   are followed as for run
  --allow-real-service
                   let an endpoint of the real AWS service through, as run does; it gets
                   only a DryRun MeterUsage and a ResolveCustomer with a token nobody issued
  -h, --help       this help

Credentials and region as for run (see metering-conformance run --help).
Exit codes: 0 written, 2 usage error, FILE exists without --force, or no awsJson
metering service answered at URL (nothing is written then).`;

/** Time limit of each probe: a target that does not answer within it answers nothing. */
const PROBE_TIMEOUT_MS = 10_000;

export async function initCommand(args: string[]): Promise<number> {
  const { values } = parseFlags('init', args, {
    endpoint: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    'allow-real-service': { type: 'boolean' },
    'ca-file': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${INIT_HELP}\n`);
    return 0;
  }
  if (values.endpoint === undefined) throw new UsageError('init: needs --endpoint URL (see metering-conformance init --help)');
  const file = values.out ?? 'target.yaml';
  // Before any request: a file that would be refused anyway should not cost the probes.
  if (!values.force && existsSync(resolve(file))) throw new UsageError(`init: ${file} already exists; pass --force to overwrite it`);
  const survey = await surveyTarget({
    endpoint: values.endpoint,
    env: process.env,
    allowRealService: values['allow-real-service'] === true,
    timeoutMs: PROBE_TIMEOUT_MS,
    ...(values['ca-file'] !== undefined ? { caFile: resolve(values['ca-file']) } : {}),
  });
  const skeleton = targetSkeleton(survey, catalogueFor(loadModel()), file);
  try {
    // 'wx' fails if the file appeared while the target was probed.
    writeFileSync(resolve(file), skeleton.text, { flag: values.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`init: ${file} already exists; pass --force to overwrite it`);
    throw new UsageError(`init: cannot write ${file} (${code ?? (error as Error).message})`);
  }
  process.stdout.write(`wrote ${file}: ${summary(survey, skeleton)}\n`);
  return 0;
}

/** What the target is, which operations answered, and what is left to fill, on one line. */
function summary(survey: TargetSurvey, skeleton: Skeleton): string {
  const what = survey.publishes
    ? 'reference emulator (describe document)'
    : survey.moto
      ? `moto suspected (GET ${MOTO_STATE_PATH} answered)`
      : survey.realService
        ? 'the real AWS service'
        : 'an awsJson metering service (no describe document)';
  const silent = survey.answers.filter((a) => !a.awsJson).map((a) => a.operation);
  const answered = silent.length > 0 ? `; no awsJson answer from ${silent.join(', ')}` : '';
  const { keysToFill, rulesUnlocked } = skeleton;
  const left = keysToFill === 0 ? '0 keys to fill' : `${keysToFill} key${keysToFill === 1 ? '' : 's'} to fill, unlocking ${rulesUnlocked} rule${rulesUnlocked === 1 ? '' : 's'}`;
  return `${what}${answered}; ${left}`;
}

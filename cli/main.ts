// Entry point of the `metering-conformance` command: dispatches to a sub-command and maps
// errors to exit codes (2 for usage and configuration problems, never a stack trace).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LATEST_MODEL_PATH, packageVersion } from '../core/paths.js';
import { CatalogueError } from '../catalogue/rules.js';
import { ModelError } from '../core/model.js';
import { ConfigError } from '../target/config.js';
import { UsageError } from './args.js';

const HELP = `Usage: metering-conformance <command> [options]

Conformance tests for implementations of the AWS Marketplace Metering Service API.

Commands:
  run      run the conformance suites against a target (default: the embedded emulator)
  serve    start the reference emulator
  rules    list the rule catalogue
  report   re-render a report.json, or merge the reports of shards (run --shard)
  compare  put several report.json side by side; diff two runs of one target
  init     write a target.yaml skeleton for an endpoint, from requests that change nothing
  --version  print the version and the service model it judges against

Run "metering-conformance <command> --help" for the options of a command.`;

// Loaded on demand: `run` pulls in vitest, which a usage error or `serve` should not wait for.
const COMMANDS: Record<string, () => Promise<(args: string[]) => Promise<number>>> = {
  run: async () => (await import('./run.js')).runCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  rules: async () => (await import('./rules.js')).rulesCommand,
  report: async () => (await import('./report.js')).reportCommand,
  compare: async () => (await import('./compare.js')).compareCommand,
  init: async () => (await import('./init.js')).initCommand,
};

/**
 * The package version and the service model it carries: the service and API version from the
 * model's metadata, and a digest of the file (the model has no revision date of its own).
 */
function versionLine(): string {
  const text = readFileSync(LATEST_MODEL_PATH);
  const { metadata } = JSON.parse(text.toString('utf8')) as { metadata: { serviceId: string; apiVersion: string } };
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return `metering-conformance ${packageVersion()} (service model ${metadata.serviceId} ${metadata.apiVersion}, bundled revision sha256:${digest})`;
}

/** Errors that are the user's to fix: one line, exit 2. */
function isUserError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof ConfigError || error instanceof ModelError || error instanceof CatalogueError || ['EmulatorConfigError', 'BaselineError'].includes((error as Error)?.name);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`metering-conformance: unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    const failure = failureOf(error);
    process.stderr.write(failure.text);
    return failure.code;
  }
}

/**
 * What a command that threw prints on stderr, and its exit code: 2 either way. A user's error
 * is one line; anything else is a defect of the tool, with its stack for the bug report.
 */
export function failureOf(error: unknown): { code: 2; text: string } {
  if (isUserError(error)) return { code: 2, text: `metering-conformance: ${error.message}\n` };
  return { code: 2, text: `metering-conformance: internal error: ${(error as Error)?.stack ?? String(error)}\n` };
}

// The CLI's exit codes and error lines, in-process (so mutation testing sees them): a user's
// error is one line and exit 2, a defect of the tool is an internal error and exit 2, never 0.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { LATEST_MODEL_PATH } from '../core/paths.js';
import { CatalogueError } from '../catalogue/rules.js';
import { UsageError } from '../cli/args.js';
import { failureOf } from '../cli/main.js';
import { COMPARE_HELP } from '../cli/compare.js';
import { INIT_HELP } from '../cli/init.js';
import { REPORT_HELP } from '../cli/report.js';
import { RULES_HELP } from '../cli/rules.js';
import { RUN_HELP } from '../cli/run.js';
import { SERVE_HELP } from '../cli/serve.js';
import { EmulatorConfigError } from '../emulator/errors.js';
import { ModelError } from '../core/model.js';
import { BaselineError } from '../reports/baseline.js';
import { ConfigError } from '../target/config.js';
import { mainInProcess, tempDir } from './support/cli.js';

const cli = mainInProcess;

afterEach(() => vi.restoreAllMocks());

describe('failureOf', () => {
  test("a user's error is its message on one line, exit 2", () => {
    expect(failureOf(new UsageError('--runs must be a number'))).toEqual({ code: 2, text: 'metering-conformance: --runs must be a number\n' });
    expect(failureOf(new ConfigError('t.yaml: fixtures: must be a mapping'))).toEqual({ code: 2, text: 'metering-conformance: t.yaml: fixtures: must be a mapping\n' });
  });

  test('anything else is an internal error with its stack, exit 2', () => {
    const failure = failureOf(new TypeError("Cannot read properties of undefined (reading 'caller')"));
    expect(failure.code).toBe(2);
    expect(failure.text).toMatch(/^metering-conformance: internal error: TypeError: Cannot read properties of undefined \(reading 'caller'\)\n\s+at /);
    expect(failureOf('a thrown string')).toEqual({ code: 2, text: 'metering-conformance: internal error: a thrown string\n' });
  });
});

describe('failureOf: which errors are the user\'s', () => {
  test.each([
    ['UsageError', new UsageError('--seed must be an integer')],
    ['ConfigError', new ConfigError('target.yaml: endpoint: must be a URL')],
    ['ModelError', new ModelError('model.json: no operations')],
    ['CatalogueError', new CatalogueError('rules.yaml: rule x.y: level must be one of must, should')],
    ['EmulatorConfigError', new EmulatorConfigError('--fixtures f.json: not JSON')],
    ['BaselineError', new BaselineError('baseline b.yaml names a rule not in the catalogue: x')],
  ])('a %s is one line, exit 2', (_name, error) => {
    expect(failureOf(error)).toEqual({ code: 2, text: `metering-conformance: ${error.message}\n` });
  });

  test('by name too: an EmulatorConfigError or BaselineError from another copy of the module', () => {
    for (const name of ['EmulatorConfigError', 'BaselineError']) {
      const error = Object.assign(new Error('bad option'), { name });
      expect(failureOf(error)).toEqual({ code: 2, text: 'metering-conformance: bad option\n' });
    }
  });

  test('any other error is internal, with its stack', () => {
    const plain = new Error('boom');
    expect(failureOf(plain)).toEqual({ code: 2, text: `metering-conformance: internal error: ${plain.stack}\n` });
    const empty = Object.assign(new Error('boom'), { name: '' });
    expect(failureOf(empty).text.startsWith('metering-conformance: internal error: ')).toBe(true);
  });

  test('a thrown non-error is internal, shown as a string', () => {
    expect(failureOf(undefined)).toEqual({ code: 2, text: 'metering-conformance: internal error: undefined\n' });
    expect(failureOf(null)).toEqual({ code: 2, text: 'metering-conformance: internal error: null\n' });
    expect(failureOf(42)).toEqual({ code: 2, text: 'metering-conformance: internal error: 42\n' });
    expect(failureOf({ name: 'BaselineError', message: 'plain object' })).toEqual({ code: 2, text: 'metering-conformance: plain object\n' });
  });
});

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

Run "metering-conformance <command> --help" for the options of a command.
`;

describe('main: help and version', () => {
  test('no command prints the help on stdout, exit 2', async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: HELP, stderr: '' });
  });

  test.each([['--help'], ['-h'], ['help']])('%s prints the help on stdout, exit 0', async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: HELP, stderr: '' });
    expect(await cli([flag, 'run'])).toEqual({ code: 0, stdout: HELP, stderr: '' });
  });

  test.each([['--version'], ['-v']])('%s prints the package version and the bundled model, exit 0', async (flag) => {
    const text = readFileSync(LATEST_MODEL_PATH);
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
    const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const expected = `metering-conformance ${version} (service model Marketplace Metering 2016-01-14, bundled revision sha256:${digest})\n`;
    const result = await cli([flag]);
    expect(result).toEqual({ code: 0, stdout: expected, stderr: '' });
    expect(result.stdout).toMatch(/^metering-conformance \d+\.\d+\.\d+\S* \(service model Marketplace Metering 2016-01-14, bundled revision sha256:[0-9a-f]{12}\)\n$/);
  });

  test('flags that merely look like help or version are unknown commands', async () => {
    for (const command of ['--HELP', '-H', 'version', '--v', '']) {
      expect(await cli([command])).toEqual({ code: 2, stdout: '', stderr: `metering-conformance: unknown command "${command}" (commands: run, serve, rules, report, compare, init)\n` });
    }
  });
});

describe('main: every command resolves', () => {
  test.each([
    ['run', RUN_HELP],
    ['serve', SERVE_HELP],
    ['rules', RULES_HELP],
    ['report', REPORT_HELP],
    ['compare', COMPARE_HELP],
    ['init', INIT_HELP],
  ])('%s --help prints its usage, exit 0', async (command, usage) => {
    expect(usage.startsWith(`Usage: metering-conformance ${command} `)).toBe(true);
    expect(await cli([command, '--help'])).toEqual({ code: 0, stdout: `${usage}\n`, stderr: '' });
    expect(await cli([command, '-h'])).toEqual({ code: 0, stdout: `${usage}\n`, stderr: '' });
  });

  test("a command's usage error is one line on stderr, exit 2", async () => {
    expect(await cli(['report'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'metering-conformance: report: needs --from report.json or --merge SHARD.json... (see metering-conformance report --help)\n',
    });
    expect(await cli(['serve', '--fault', 'no-such-fault'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'metering-conformance: unknown fault mode "no-such-fault" (see metering-conformance serve --help)\n',
    });
  });
});

describe('main', () => {
  test('an unknown command and no command are exit 2; --help is 0', async () => {
    const unknown = await cli(['frobnicate']);
    expect([unknown.code, unknown.stderr]).toEqual([2, 'metering-conformance: unknown command "frobnicate" (commands: run, serve, rules, report, compare, init)\n']);
    expect((await cli([])).code).toBe(2);
    const help = await cli(['--help']);
    expect([help.code, help.stdout.startsWith('Usage: metering-conformance')]).toEqual([0, true]);
  });

  test('a report folder under a file is one line and exit 2, before anything runs', async () => {
    const file = join(tempDir(), 'afile');
    writeFileSync(file, '');
    const result = await cli(['run', '--endpoint', 'http://127.0.0.1:9', '--rules', 'meter-usage.accepts-valid', '--out', join(file, 'sub')]);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `metering-conformance: --out ${join(file, 'sub')}: cannot make the report folder (ENOTDIR)\n` });
  });

  test('a bad flag value is one line and exit 2', async () => {
    const result = await cli(['run', '--runs', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(/^metering-conformance: --runs /);
  });
});

// The CLI's exit codes and error lines, in-process (so mutation testing sees them): a user's
// error is one line and exit 2, a defect of the tool is an internal error and exit 2, never 0.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { UsageError } from '../cli/args.js';
import { failureOf, main } from '../cli/main.js';
import { ConfigError } from '../target/config.js';
import { tempDir } from './support/cli.js';

/** Runs main() with stdout and stderr captured. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

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

describe('main', () => {
  test('an unknown command and no command are exit 2; --help is 0', async () => {
    const unknown = await cli(['frobnicate']);
    expect([unknown.code, unknown.stderr]).toEqual([2, 'metering-conformance: unknown command "frobnicate" (commands: run, serve, rules, report)\n']);
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

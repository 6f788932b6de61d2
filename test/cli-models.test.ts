// Every published model version: `run --model specs/history/<file>` exits 0 against the
// embedded emulator (which then follows that version), and rules about members or operations
// the version lacks are not-applicable with the reason.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SPECS_DIR } from '../catalogue/paths.js';
import { readReport, runCli, tempDir } from './support/cli.js';

const HISTORY = join(SPECS_DIR, 'history');
const files = readdirSync(HISTORY).filter((f) => f.endsWith('.json')).sort();

describe('run --model for every model version', () => {
  test('there are model versions to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  test.each(files)('%s', { timeout: 600_000 }, async (file) => {
    const out = tempDir();
    // Few runs: the point is that every version is judged without a failure, not search depth.
    const result = await runCli(['run', '--model', join(HISTORY, file), '--runs', '3', '--seed', '3', '--out', out], { timeoutMs: 600_000 });
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code, result.stdout).toBe(0);
    const report = readReport(out);
    expect(report.run.model).toContain(file.replace(/^service-2\.|\.json$/g, ''));
    const wrong = report.rules.filter((r) => r.verdict === 'fail' || r.verdict === 'error').map((r) => `${r.id}: ${r.verdict} ${r.reason ?? ''}`);
    expect(wrong).toEqual([]);
    for (const rule of report.rules.filter((r) => r.verdict === 'not-applicable')) expect(rule.reason, rule.id).toMatch(/\S/);
  });
});

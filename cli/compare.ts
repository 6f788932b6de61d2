// `metering-conformance compare`: several report.json files side by side (targets, drivers,
// SDKs, model versions, releases), and for two runs of one target the diff between them. The
// exit code gates on regressions only, so a CI job can ask "did any rule get worse?".
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../core/model.js';
import { buildMatrix, compareExitCode } from '../reports/compare.js';
import { renderCompareConsole, writeMatrix } from '../reports/matrix-write.js';
import { ConfigError } from '../target/config.js';
import { parseFlags, UsageError } from './args.js';
import { readReport } from './report-file.js';

export const COMPARE_HELP = `Usage: metering-conformance compare REPORT.json... [options]

Writes matrix.html, matrix.json and matrix.md: one row per rule, one column per report
(target, driver and SDK, service model, date), the verdict in each cell and, for a failing
one, its counterexample, replay and curl lines and transcript. A rule a report does not
list is shown as absent. Reports of every schema version the tool has written are read;
different seeds or rule sets are allowed and noted.

Two reports of the same target are also diffed, the first given as the earlier run:
regressions (pass or observed, then fail or error), fixes (fail or error, then pass),
newly judged and newly not-applicable rules, printed on stdout as well.

Options:
  --out DIR        folder for the three files (default: ./conformance-compare)
  -h, --help       this help

Exit codes: 0 written (and no regression), 1 a rule regressed between two runs of one
target, 2 usage error or a file that is not a valid report.json.`;

export async function compareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('compare', args, { out: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('compare: needs at least one report.json (see metering-conformance compare --help)');
  const outDir = resolve(values.out ?? 'conformance-compare');
  // Read every report before writing anything: a bad file leaves no half-written folder.
  const reports = [];
  for (const file of positionals) reports.push({ file, report: await readReport(file) });
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`--out ${values.out ?? outDir}: cannot make the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const matrix = buildMatrix(
    reports,
    catalogueFor(loadModel()).map((rule) => rule.id),
  );
  await writeMatrix(matrix, outDir);
  process.stdout.write(`${renderCompareConsole(matrix, outDir)}\n`);
  return compareExitCode(matrix);
}

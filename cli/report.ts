// `metering-conformance report`: renders the report files again from a report.json, or
// merges the reports of the shards of one run (run --shard i/n) into one; optionally judges
// them against a baseline. The exit code comes from the verdicts, as for `run`.
import { dirname, resolve } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../core/model.js';
import { applyBaseline, loadBaseline } from '../reports/baseline.js';
import { mergeReports } from '../reports/merge.js';
import { renderConsoleSummary } from '../reports/summary.js';
import type { Report } from '../reports/types.js';
import { writeReports } from '../reports/write.js';
import { ConfigError } from '../target/config.js';
import { parseFlags, UsageError } from './args.js';
import { readReport } from './report-file.js';

export const REPORT_HELP = `Usage: metering-conformance report --from report.json [options]
       metering-conformance report --merge SHARD.json... [options]

Writes report.html, report.json, junit.xml and summary.md again from a report.json, or
from the reports of all shards of one run (run --shard 1/N ... N/N, same seed and flags),
merged into one report that lists every rule once, as one unsharded run would.

Options:
  --from FILE      the report.json to render again
  --merge          merge the shard report.json files that follow (all N shards)
  --out DIR        report folder (default: the folder of --from; ./conformance-report
                   with --merge)
  --baseline FILE  judge against this baseline (YAML/JSON list of { rule, reason })
                   instead of the one the reports were made with
  -h, --help       this help

Exit codes: 0 conformant or observed, 1 non-conformant or inconclusive, 2 usage error or
a file that is not a valid report.json (reports of earlier schema versions are read).`;

/** Shards list their slices one after another; a merged report lists rules in catalogue order, as a single run does. */
function inCatalogueOrder(report: Report): Report {
  const position = new Map(catalogueFor(loadModel()).map((rule, i) => [rule.id, i]));
  const rank = (id: string) => position.get(id) ?? Number.MAX_SAFE_INTEGER;
  // Array.prototype.sort is stable: rules outside the bundled catalogue keep their order, last.
  return { ...report, rules: [...report.rules].sort((a, b) => rank(a.id) - rank(b.id)) };
}

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    'report',
    args,
    {
      from: { type: 'string' },
      merge: { type: 'boolean' },
      out: { type: 'string' },
      baseline: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`${REPORT_HELP}\n`);
    return 0;
  }
  if (values.from !== undefined && values.merge) throw new UsageError('report: give either --from FILE or --merge FILE..., not both');
  if (values.from === undefined && !values.merge) throw new UsageError('report: needs --from report.json or --merge SHARD.json... (see metering-conformance report --help)');
  if (values.from !== undefined && positionals.length > 0) throw new UsageError(`report: unexpected argument "${positionals[0]}" (several reports are merged with --merge)`);
  if (values.merge && positionals.length === 0) throw new UsageError('report: --merge needs the report.json files of the shards');

  let report: Report;
  let outDir: string;
  if (values.from !== undefined) {
    report = await readReport(values.from);
    outDir = resolve(values.out ?? dirname(values.from));
  } else {
    const shards = await Promise.all(positionals.map(readReport));
    try {
      report = inCatalogueOrder(mergeReports(shards));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    outDir = resolve(values.out ?? 'conformance-report');
  }
  if (values.baseline !== undefined) report = applyBaseline(report, loadBaseline(resolve(values.baseline), values.baseline));

  await writeReports(report, outDir);
  process.stdout.write(`${renderConsoleSummary(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, outDir })}\n`);
  return report.summary.conformant ? 0 : 1;
}

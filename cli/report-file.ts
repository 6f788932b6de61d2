// Reads a report.json given on the command line (report --from/--merge, compare), at any schema
// version the tool has written. Every problem is a ConfigError: one line, exit 2.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Report } from '../reports/types.js';
import { readReportDocument } from '../reports/upgrade.js';
import { ConfigError } from '../target/config.js';

export async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(resolve(file), 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const { report, problems } = readReportDocument(doc);
  if (problems !== undefined) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new ConfigError(`${file} is not a valid report.json (reports/report.schema.json): ${problems.slice(0, 3).join('; ')}${more}`);
  }
  return report;
}

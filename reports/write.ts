// Writes the report files into the output folder: report.json (schema-checked first),
// report.html, junit.xml and summary.md, all from one redacted copy of the report.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { REDACTED, redactReport, secretForms } from './redact.js';
import { renderSummaryMarkdown } from './summary.js';
import type { Report } from './types.js';
import { validateReport } from './validate.js';

export interface WriteOptions {
  /** Known credentials (secret key, session token) to scrub wherever they appear. */
  secrets?: readonly string[];
}

export const REPORT_FILES = ['report.json', 'report.html', 'junit.xml', 'summary.md'] as const;

/** Writes the four report files and returns their absolute paths. */
export async function writeReports(report: Report, outDir: string, options: WriteOptions = {}): Promise<string[]> {
  const secrets = options.secrets ?? [];
  const clean = redactReport(report, secrets);
  const problems = validateReport(clean);
  if (problems.length > 0) {
    throw new Error(`metering-conformance bug: the report does not match reports/report.schema.json:\n  ${problems.join('\n  ')}`);
  }
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    'report.json': `${JSON.stringify(clean, null, 2)}\n`,
    'report.html': renderHtml(clean),
    'junit.xml': renderJunit(clean),
    'summary.md': renderSummaryMarkdown(clean),
  };
  // A renderer cannot create a secret from scrubbed parts, but checking the output costs little.
  const forms = secretForms(secrets);
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const name of REPORT_FILES) {
    const file = join(dir, name);
    const text = forms.reduce((out, form) => out.split(form).join(REDACTED), contents[name]);
    await writeFile(file, text, 'utf8');
    written.push(file);
  }
  return written;
}

// Writes the comparison files: matrix.json (schema-checked first), matrix.html and matrix.md,
// and gives the short text `compare` prints on stdout.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import matrixSchema from './matrix.schema.json' with { type: 'json' };
import reportSchema from './report.schema.json' with { type: 'json' };
import { cellLabel, DIFF_KINDS, DIFF_TITLES, type Matrix } from './compare.js';
import { oneLine } from './format.js';
import { renderMatrixHtml } from './matrix-html.js';
import { renderMatrixMarkdown } from './matrix-md.js';

const MATRIX_FILES = ['matrix.json', 'matrix.html', 'matrix.md'] as const;

let check: ValidateFunction<Matrix> | undefined;

function where(error: ErrorObject): string {
  return `matrix${error.instancePath} ${error.message ?? 'is invalid'}`;
}

/** Schema violations of `value` as matrix.json; empty when it is valid. */
export function validateMatrix(value: unknown): string[] {
  // A cell's failure is the report's own failureDetail: the report schema is loaded beside it.
  check ??= new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).addSchema(reportSchema).compile<Matrix>(matrixSchema);
  if (check(value)) return [];
  return [...new Set((check.errors ?? []).map(where))];
}

/** Writes the three files into `outDir` and returns their absolute paths. */
export async function writeMatrix(matrix: Matrix, outDir: string): Promise<string[]> {
  const problems = validateMatrix(matrix);
  if (problems.length > 0) throw new Error(`metering-conformance bug: matrix.json does not match reports/matrix.schema.json:\n  ${problems.join('\n  ')}`);
  const contents: Record<(typeof MATRIX_FILES)[number], string> = {
    'matrix.json': `${JSON.stringify(matrix, null, 2)}\n`,
    'matrix.html': renderMatrixHtml(matrix),
    'matrix.md': renderMatrixMarkdown(matrix),
  };
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const name of MATRIX_FILES) {
    await writeFile(join(dir, name), contents[name], 'utf8');
    written.push(join(dir, name));
  }
  return written;
}

/** What `compare` prints: one line for the comparison, and the diff as a short list. */
export function renderCompareConsole(matrix: Matrix, outDir: string): string {
  const differ = matrix.rows.filter((r) => r.differs).length;
  const reports = `${matrix.columns.length} report${matrix.columns.length === 1 ? '' : 's'}`;
  const lines = [`Compared ${reports} on ${matrix.rows.length} rules; ${differ === 1 ? '1 rule differs' : `${differ} rules differ`}.`];
  for (const note of matrix.notes) lines.push(`Note: ${oneLine(note)}`);
  const diff = matrix.diff;
  if (diff !== undefined) {
    for (const kind of DIFF_KINDS) {
      const entries = diff[kind];
      lines.push(`${DIFF_TITLES[kind]}: ${entries.length}`);
      // Target-made ids are made one line so they cannot forge lines of their own.
      for (const e of entries) lines.push(`  ${oneLine(e.id)}  ${cellLabel(e.from)} -> ${cellLabel(e.to)}`);
    }
  }
  lines.push('', `Matrix: ${join(resolve(outDir), 'matrix.html')}`);
  return lines.join('\n');
}

// `metering-conformance rules`: lists the rule catalogue (hand-written and model-derived), the
// modeled errors each rule judges (--coverage) and what a target must declare for each (--needs).
import { resolve } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import { errorCoverage, rulesNeeding, type CoverageRow, type RuleDeclarations } from '../catalogue/coverage.js';
import type { Rule } from '../catalogue/rules.js';
import { loadModel } from '../core/model.js';
import { loadTargetConfig } from '../target/config.js';
import { OPERATIONS } from '../target/types.js';
import { parseFlags, UsageError } from './args.js';

export const RULES_HELP = `Usage: metering-conformance rules [options]

Lists the rule catalogue: hand-written rules (specs/rules.yaml) and the constraint rules
derived from the service model, with level and source.

Options:
  --operation NAME  only rules about this operation (${OPERATIONS.join(', ')})
  --model FILE      derive constraint rules from this model version (default: bundled latest)
  --coverage        instead, every error the model lists per operation and the rules that
                    judge it (a rule whose model field or sources name the error shape);
                    the last line names the pairs no rule judges
  --needs           instead, per rule what a target must declare for it to be judged: the
                    target.yaml key (fixtures.…, capabilities.…) or run flag, in words
  --config FILE     with --needs: only the rules this target.yaml would leave not-applicable,
                    each with the keys it lacks
  --json            machine-readable output
  -h, --help        this help`;

export async function rulesCommand(args: string[]): Promise<number> {
  const { values } = parseFlags('rules', args, {
    operation: { type: 'string' },
    model: { type: 'string' },
    coverage: { type: 'boolean' },
    needs: { type: 'boolean' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${RULES_HELP}\n`);
    return 0;
  }
  const operation = values.operation;
  if (operation !== undefined && !(OPERATIONS as readonly string[]).includes(operation)) {
    throw new UsageError(`--operation must be one of ${OPERATIONS.join(', ')}, got "${operation}"`);
  }
  if (values.coverage && values.needs) throw new UsageError('--coverage and --needs are separate listings: pass one of them');
  if (values.config !== undefined && !values.needs) throw new UsageError('--config goes with --needs (run --config is for runs)');
  const model = loadModel(values.model ? resolve(values.model) : undefined);
  const rules = catalogueFor(model).filter((r) => operation === undefined || (r.operations as string[]).includes(operation));
  if (values.coverage) {
    const rows = errorCoverage(model, rules).filter((row) => operation === undefined || row.operation === operation);
    process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : coverageText(rows));
    return 0;
  }
  if (values.needs) {
    // Read as `run --config` reads it: checked against the schema, absent lists empty, absent capabilities false.
    const declared = values.config !== undefined ? loadTargetConfig(resolve(values.config)) : undefined;
    const rows = rulesNeeding(rules, declared);
    process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : needsText(rows, rules, declared !== undefined));
    return 0;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rules.map((r) => r.id.length));
  for (const rule of rules) {
    process.stdout.write(`${rule.id.padEnd(width)}  ${rule.level.padEnd(22)}  ${rule.statement}\n${' '.repeat(width + 26)}${rule.sources[0]}\n`);
  }
  process.stdout.write(`${rules.length} rules\n`);
  return 0;
}

/** One block per operation, an error per line with its rules, then the count and the uncovered pairs. */
export function coverageText(rows: CoverageRow[]): string {
  const width = Math.max(0, ...rows.map((row) => row.error.length));
  const lines: string[] = [];
  let operation: string | undefined;
  for (const row of rows) {
    if (row.operation !== operation) {
      operation = row.operation;
      lines.push(operation);
    }
    lines.push(`  ${row.error.padEnd(width)}  ${row.rules.length > 0 ? row.rules.join(', ') : '(no rule)'}`);
  }
  const missing = rows.filter((row) => row.rules.length === 0).map((row) => `${row.operation} ${row.error}`);
  const summary = `${rows.length - missing.length} of ${rows.length} modeled (operation, error) pairs have a rule`;
  lines.push(missing.length > 0 ? `${summary}; missing: ${missing.join(', ')}` : summary);
  return `${lines.join('\n')}\n`;
}

/** Per rule its keys with their words, then a count; `forTarget`: the rows are what one target.yaml lacks. */
export function needsText(rows: RuleDeclarations[], rules: Rule[], forTarget: boolean): string {
  const width = Math.max(0, ...rows.flatMap((row) => row.declarations.map((d) => d.key.length)));
  const lines = rows.flatMap((row) => [row.rule, ...row.declarations.map((d) => `  ${d.key.padEnd(width)}  ${d.text}`)]);
  const count = rows.length === 1 ? '1 rule needs' : `${rows.length} rules need`;
  if (forTarget) lines.push(rows.length > 0 ? `${count} declarations this target.yaml lacks` : "every rule's needs are declared");
  else lines.push(`${rows.length} of ${rules.length} rules need a declaration; the others need none`);
  return `${lines.join('\n')}\n`;
}

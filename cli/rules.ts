// `metering-conformance rules`: lists the rule catalogue (hand-written and model-derived).
import { resolve } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../generators/model.js';
import { OPERATIONS } from '../target/types.js';
import { parseFlags, UsageError } from './args.js';

export const RULES_HELP = `Usage: metering-conformance rules [options]

Lists the rule catalogue: hand-written rules (specs/rules.yaml) and the constraint rules
derived from the service model, with level and source.

Options:
  --operation NAME  only rules about this operation (${OPERATIONS.join(', ')})
  --model FILE      derive constraint rules from this model version (default: bundled latest)
  --json            machine-readable output
  -h, --help        this help`;

export async function rulesCommand(args: string[]): Promise<number> {
  const { values } = parseFlags('rules', args, {
    operation: { type: 'string' },
    model: { type: 'string' },
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
  const model = loadModel(values.model ? resolve(values.model) : undefined);
  const rules = catalogueFor(model).filter((r) => operation === undefined || (r.operations as string[]).includes(operation));
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

// Flag parsing with clear, one-line errors. Every usage problem becomes a UsageError (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../plan/usage-error.js';

export { UsageError };

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<T extends Options> = T & { help: { type: 'boolean'; short: 'h' } };
export type ParsedFlags<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<T>; strict: true; allowPositionals: boolean }>>;

/** Parses a command's flags; `allowPositionals` lets file names follow the flags (report --merge a.json b.json). */
export function parseFlags<T extends Options>(command: string, args: string[], options: T, allowPositionals = false): ParsedFlags<T> {
  try {
    const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<T>;
    return parseArgs({ args, options: withHelp, strict: true, allowPositionals });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`${command}: ${message} (see metering-conformance ${command} --help)`);
  }
}

export function integerFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return n;
}

// The replay line of a failure: small and on its own, so mutation testing covers all of it.
import { commandLine, flagArgs } from '../../target/curl.js';

/**
 * The command that replays one rule of this run: the run's own target and settings
 * (`args`, see ConformanceContext.replayArgs), the rule, the run seed and, with a fast-check
 * path, exactly one counterexample. Quoted for a POSIX shell.
 */
export function replayCommand(ruleId: string, runSeed: number, path: string | undefined, args: readonly string[] = []): string {
  return commandLine(['npx', 'metering-conformance', 'run', ...args, '--rules', ruleId, ...flagArgs('--seed', String(runSeed)), ...(path ? flagArgs('--replay', path) : [])]);
}

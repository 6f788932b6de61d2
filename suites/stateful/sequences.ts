// Runs command sequences through the harness (ctx.property), one fresh caller per sequence,
// and makes a failure readable and replayable: the counterexample becomes the list of steps
// that ran (command, request, expected, answer), and the replay path carries fast-check's
// command replay path after a `~`, which this runner splits off again on --replay.
import fc from 'fast-check';
import { Violation } from '../harness/expect.js';
import { replayCommand } from '../harness/property.js';
import { RuleContext } from '../harness/rule.js';
import { LedgerModel } from './ledger-model.js';
import { LedgerTarget, type LedgerCommand, type Step } from './commands.js';
import { readTargetLedger } from './target-ledger.js';

const REPLAY_SEPARATOR = '~';

export interface SequenceOptions {
  /** Longest sequence generated (default 12). */
  maxCommands?: number;
}

export async function checkSequences(ctx: RuleContext, commands: fc.Arbitrary<LedgerCommand>[], options: SequenceOptions = {}): Promise<void> {
  const ruleId = ctx.rules[0].id;
  const replay = ctx.context.replay?.ruleId === ruleId ? ctx.context.replay.path : undefined;
  const [path, commandsPath] = replay?.includes(REPLAY_SEPARATOR) ? replay.split(REPLAY_SEPARATOR, 2) : [replay, undefined];
  // The harness replays `path`; the commands arbitrary replays which commands ran.
  const inner = replay === undefined ? ctx : new RuleContext(ctx.rules, { ...ctx.context, replay: { ruleId, path: path! } }, ctx.meta);
  // `medium` size: sequences long enough to reach retries of earlier records, still quick to shrink.
  const sequences = fc.commands(commands, { maxCommands: options.maxCommands ?? 12, size: 'medium', ...(commandsPath ? { replayPath: commandsPath } : {}) });
  const endpoint = ctx.description.endpoint;
  const ledgerRead = ctx.description.capabilities.ledgerRead;
  let failing: { commands: Iterable<unknown>; steps: Step[] } | undefined;

  try {
    await inner.property(sequences, async (cmds, run) => {
      const target = new LedgerTarget(run, () => ctx.nowMs(), ledgerRead ? () => readTargetLedger(endpoint, run.caller.accessKeyId) : undefined);
      try {
        await fc.asyncModelRun(() => ({ model: new LedgerModel(ctx.fixtures), real: target }), cmds);
      } catch (error) {
        failing = { commands: cmds, steps: target.steps };
        throw error;
      }
    });
  } catch (error) {
    const failure = ctx.meta.failure;
    if (!(error instanceof Violation) || !failure || !failing) throw error;
    // Printed after the check, the commands carry the replay path of the final counterexample.
    const replayPath = /replayPath="([^"]*)"/.exec(String(failing.commands))?.[1];
    failure.counterexample = { steps: failing.steps };
    if (failure.path !== undefined && replayPath) {
      failure.path = `${failure.path}${REPLAY_SEPARATOR}${replayPath}`;
      failure.replay = replayCommand(ruleId, failure.seed, failure.path, ctx.context.replayArgs);
    }
    const message = [
      `${ruleId}: expected ${failure.expected}`,
      `  actual: ${JSON.stringify(failure.actual)}`,
      `  sequence (after ${failure.shrinks ?? 0} shrinks): ${failing.steps.map((s) => `${s.step}. ${s.command}`).join(' | ')}`,
      `  replay: ${failure.replay}`,
    ].join('\n');
    throw new Violation(failure.expected, failure.actual, message);
  }
}

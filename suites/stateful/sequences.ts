// Runs command sequences through the harness (ctx.property), one fresh caller per sequence,
// and makes a failure readable and replayable: the counterexample becomes the list of steps
// that ran (command, request, expected, answer), and the replay path carries the replay path of
// fast-check's commands (read from the shrunk counterexample of fast-check's run details) after
// a `~`, which the harness hands back on --replay (replayState).
import fc from 'fast-check';
import { replayState } from '../harness/property.js';
import type { RuleContext } from '../harness/rule.js';
import { LedgerModel } from './ledger-model.js';
import { LedgerTarget, type LedgerCommand, type Step } from './commands.js';
import { readTargetLedger } from './target-ledger.js';

/** Lanes of a sequence property (see PropertyOptions.lanes). */
const SEQUENCE_LANES = 4;

export interface SequenceOptions {
  /** Longest sequence generated (default 12). */
  maxCommands?: number;
}

/**
 * The replay path of a sequence of fc.commands: which of its commands ran, which fast-check
 * needs beside its own path to shrink the same way again. fast-check keeps it on the sequence
 * (the `replayPath="..."` it prints after the commands), readable once the check is over.
 */
export function commandsReplayPath(commands: Iterable<unknown>): string | undefined {
  const metadata = (commands as { metadataForReplay?: () => string }).metadataForReplay?.();
  const prefix = 'replayPath=';
  if (metadata === undefined || !metadata.startsWith(prefix)) return undefined;
  const path: unknown = JSON.parse(metadata.slice(prefix.length));
  return typeof path === 'string' && path !== '' ? path : undefined;
}

export async function checkSequences(ctx: RuleContext, commands: fc.Arbitrary<LedgerCommand>[], options: SequenceOptions = {}): Promise<void> {
  const commandsPath = replayState(ctx.context, ctx.rules[0].id);
  // `medium` size: sequences long enough to reach retries of earlier records, still quick to shrink.
  // One per lane: fc.commands keeps the replay path of its last shrink in the arbitrary.
  const sequences = () => fc.commands(commands, { maxCommands: options.maxCommands ?? 12, size: 'medium', ...(commandsPath ? { replayPath: commandsPath } : {}) });
  const ledgerRead = ctx.description.capabilities.ledgerRead;
  // The steps each failing run took: the report shows those of the shrunk counterexample's run.
  const stepsOf = new WeakMap<object, Step[]>();

  await ctx.property(
    sequences,
    async (cmds, run) => {
      const target = new LedgerTarget(run, () => ctx.nowMs(), ledgerRead ? () => readTargetLedger(ctx.control, run.caller.accessKeyId) : undefined);
      try {
        await fc.asyncModelRun(() => ({ model: new LedgerModel(ctx.fixtures), real: target }), cmds);
      } catch (error) {
        stepsOf.set(run, target.steps);
        throw error;
      }
    },
    {
      // Sequences are long chains of requests: against a remote target, four independent lanes
      // of sequences (each its own callers) wait for the latency at once.
      lanes: SEQUENCE_LANES,
      failure: (cmds, run) => {
        const failingSteps = stepsOf.get(run) ?? [];
        const replayPath = commandsReplayPath(cmds);
        return {
          counterexample: { steps: failingSteps },
          summary: { label: 'sequence', text: failingSteps.map((s) => `${s.step}. ${s.command}`).join(' | ') },
          ...(replayPath !== undefined ? { replayState: replayPath } : {}),
        };
      },
    },
  );
}

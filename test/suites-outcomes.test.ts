// The harness's pieces around a verdict: the outcome values a rule body ends with, the replay
// path of a command sequence read from fast-check's run details, and the one control-plane
// client (the run's time limit, the token, the recorded exchange).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROL_PREFIX, CONTROL_TOKEN_ENV } from '../core/description.js';
import { ControlClient } from '../target/control-client.js';
import { TargetError, type Exchange } from '../target/types.js';
import { NotApplicable, notApplicable } from '../suites/harness/outcomes.js';
import { REPLAY_SEPARATOR, replayState } from '../suites/harness/property.js';
import type { ConformanceContext } from '../suites/harness/context.js';
import { commandsReplayPath } from '../suites/stateful/sequences.js';

describe('outcomes', () => {
  test('notApplicable(reason) is a NotApplicable carrying the reason word for word, throwable from a helper', () => {
    const outcome = notApplicable('the target declares no clock control');
    expect(outcome).toBeInstanceOf(NotApplicable);
    expect(outcome.reason).toBe('the target declares no clock control');
    expect(() => {
      throw outcome;
    }).toThrow(NotApplicable);
  });
});

/** A model run that fails once two pushes have run: shrinking keeps only the commands that ran. */
class Push implements fc.Command<{ n: number }, { n: number }> {
  check = () => true;
  run(model: { n: number }) {
    model.n += 1;
    if (model.n >= 2) throw new Error('two pushes');
  }
  toString = () => 'push';
}
class Noop implements fc.Command<{ n: number }, { n: number }> {
  check = () => true;
  run() {}
  toString = () => 'noop';
}

describe('the replay path of a command sequence', () => {
  const commands = (replayPath?: string) => fc.commands([fc.constant(new Push()), fc.constant(new Noop())], { maxCommands: 12, ...(replayPath ? { replayPath } : {}) });
  const check = (replayPath?: string, path?: string) =>
    fc.check(
      fc.property(commands(replayPath), (cmds) => fc.modelRun(() => ({ model: { n: 0 }, real: { n: 0 } }), cmds)),
      { seed: 42, ...(path ? { path } : {}) },
    );

  test("is read from fast-check's shrunk counterexample and, with fast-check's path, replays that counterexample", () => {
    const result = check();
    expect(result.failed).toBe(true);
    const path = commandsReplayPath(result.counterexample![0]);
    expect(path).toMatch(/^[A-Za-z0-9+/]+:[A-Za-z0-9+/]*$/);
    const replayed = check(path, result.counterexamplePath!);
    expect(replayed.failed).toBe(true);
    expect(replayed.numRuns).toBe(1);
    expect([...replayed.counterexample![0]].map(String)).toEqual([...result.counterexample![0]].map(String));
  });

  test('has no replay path where the sequence carries none', () => {
    expect(commandsReplayPath([])).toBeUndefined();
  });

  test('travels after the separator of the replay path, which the harness hands back to the rule', () => {
    const context = { replay: { ruleId: 'stateful.x', path: `2:1${REPLAY_SEPARATOR}CFP:F` } } as ConformanceContext;
    expect(replayState(context, 'stateful.x')).toBe('CFP:F');
    expect(replayState(context, 'stateful.y')).toBeUndefined();
    expect(replayState({ replay: { ruleId: 'stateful.x', path: '2:1' } } as ConformanceContext, 'stateful.x')).toBeUndefined();
  });
});

describe('the control-plane client', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        if (req.url?.includes('/hang')) return; // never answers
        if (req.url?.includes('/locked')) {
          res.writeHead(401).end('{}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"nowMs":1}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('records a control exchange with the token named by its variable, and sends the token itself', async () => {
    const client = new ControlClient(base, { env: { [CONTROL_TOKEN_ENV]: 'secret-token-1' } });
    const recorded: Exchange[] = [];
    const answer = await client.post('/clock', { set: 1, caller: 'MC1' }, { record: (e) => recorded.push(e) });
    expect(answer).toEqual({ status: 200, text: '{"nowMs":1}' });
    expect(seen.at(-1)).toMatchObject({ url: `${CONTROL_PREFIX}/clock`, body: '{"set":1,"caller":"MC1"}', headers: { authorization: 'Bearer secret-token-1', 'x-metering-conformance-control': '1' } });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      control: 'clock',
      attempt: 1,
      request: { method: 'POST', url: `${base.replace(/\/$/, '')}${CONTROL_PREFIX}/clock`, headers: { authorization: `Bearer $${CONTROL_TOKEN_ENV}` } },
      response: { status: 200, body: '{"nowMs":1}' },
    });
    expect(JSON.stringify(recorded)).not.toContain('secret-token-1');
  });

  test('an open route goes without the token, and its 401 is an answer', async () => {
    const client = new ControlClient(base, { env: { [CONTROL_TOKEN_ENV]: 'secret-token-1' } });
    expect((await client.get('/locked', { open: true })).status).toBe(401);
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    await expect(client.get('/locked?caller=x')).rejects.toThrow(`answered GET ${CONTROL_PREFIX}/locked with HTTP 401`);
  });

  test("gives up after the run's time limit, as a target error that carries the recorded exchange", async () => {
    const client = new ControlClient(base, { timeoutMs: 200, env: {} });
    const recorded: Exchange[] = [];
    const started = Date.now();
    const error = await client.post('/hang', {}, { record: (e) => recorded.push(e) }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).message).toMatch(new RegExp(`^did not answer POST ${CONTROL_PREFIX}/hang: `));
    expect((error as TargetError).exchange).toBe(recorded[0]);
    expect(recorded[0].error).toMatch(/^did not answer: /);
  });
});

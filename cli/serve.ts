// `metering-conformance serve`: the reference emulator on its own, until interrupted.
import { resolve } from 'node:path';
import { FAULT_MODES, loadFixtures, startEmulator } from '../emulator/index.js';
import { loadModel } from '../generators/model.js';
import { integerFlag, parseFlags, UsageError } from './args.js';

export const SERVE_HELP = `Usage: metering-conformance serve [options]

Starts the reference emulator of the AWS Marketplace Metering Service on 127.0.0.1.

Options:
  --port N         port to listen on (default: 5055; 0 picks a free one)
  --host ADDR      address to listen on (default: 127.0.0.1)
  --fault NAME     switch on a deliberate defect (repeatable); see the list below
  --fixtures FILE  fixture YAML (default: the bundled emulator/default-fixtures.yaml)
  --model FILE     service model version to validate against (default: bundled latest)
  --data FILE      persist the ledger to FILE and reload it on start
  -h, --help       this help

Fault modes:
${FAULT_MODES.map((f) => `  ${f.name.padEnd(32)} ${f.description}`).join('\n')}`;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseFlags('serve', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    fault: { type: 'string', multiple: true },
    fixtures: { type: 'string' },
    model: { type: 'string' },
    data: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  const port = integerFlag('port', values.port, 0, 65535) ?? 5055;
  const faults = values.fault ?? [];
  const known = new Set(FAULT_MODES.map((f) => f.name));
  for (const fault of faults) {
    if (!known.has(fault)) throw new UsageError(`unknown fault mode "${fault}" (see metering-conformance serve --help)`);
  }
  const emulator = await startEmulator({
    port,
    ...(values.host ? { host: values.host } : {}),
    faults,
    ...(values.fixtures ? { fixtures: loadFixtures(resolve(values.fixtures)) } : {}),
    ...(values.model ? { model: loadModel(resolve(values.model)) } : {}),
    ...(values.data ? { dataFile: resolve(values.data) } : {}),
  });
  process.stdout.write(`metering-conformance emulator listening on ${emulator.url}${faults.length ? ` (faults: ${faults.join(', ')})` : ''}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.close();
  return 0;
}

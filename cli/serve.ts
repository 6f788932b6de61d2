// `metering-conformance serve`: the reference emulator on its own, until interrupted.
import { resolve } from 'node:path';
import { FAULT_MODES, loadFixtures, startEmulator } from '../emulator/index.js';
import { isLoopbackHost } from '../core/hosts.js';
import { loadModel } from '../core/model.js';
import { CONTROL_PREFIX } from '../core/description.js';
import { integerFlag, parseFlags, UsageError } from './args.js';

export const SERVE_HELP = `Usage: metering-conformance serve [options]

Starts the reference emulator of the AWS Marketplace Metering Service on 127.0.0.1.

Options:
  --port N               port to listen on (default: 5055; 0 picks a free one)
  --host ADDR            address to listen on (default: 127.0.0.1); an address beyond loopback
                         prints a warning and disables the control API unless --control-token
  --fault NAME           switch on a deliberate defect (repeatable); see the list below
  --fixtures FILE        fixture YAML (default: the bundled emulator/default-fixtures.yaml)
  --model FILE           service model version to validate against (default: bundled latest)
  --data FILE            persist the ledger to FILE and reload it on start; FILE.lock keeps a
                         second emulator off the same file (a lock of a dead process is taken over)
  --control-token T      require "Authorization: Bearer T" on control requests (and enable the
                         control API on an address beyond loopback); \`run\` sends it when
                         METERING_CONFORMANCE_CONTROL_TOKEN=T is set in its environment
  --allowed-host NAME    a host name control requests may use in Host (repeatable); IP
                         addresses and localhost are always allowed
  --shared-ledger        every access key id is one caller with one ledger (no caller isolation),
                         as in most other emulators; describe says callerIsolation: false
  --no-control           no control API, describe included: its paths answer as unknown service
                         paths do. With --shared-ledger, a stand-in for a target that is not ours
  -h, --help             this help

Control API (${CONTROL_PREFIX}/...):
  GET describe, GET public-key   open to anyone
  GET ledger                     Host must be an IP address, localhost or an --allowed-host name;
                                 an Origin header must be the emulator's own origin
  POST reset, POST clock         as ledger, plus "x-metering-conformance-control: 1" and
                                 "Content-Type: application/json"; clock {"set": <epoch s>} or
                                 {"advance": <s>} stays within the years 2000..2100
  POST tokens                    as reset and clock; {"customer": <account id>, "product": <code>,
                                 "ttlSeconds": <s, default 14400>} issues a registration token
                                 that ResolveCustomer resolves until it expires on the clock
  Refused requests get 403 (401 without the right token) with a JSON error body.

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
    'control-token': { type: 'string' },
    'allowed-host': { type: 'string', multiple: true },
    'shared-ledger': { type: 'boolean' },
    'no-control': { type: 'boolean' },
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
  const host = values.host ?? '127.0.0.1';
  const token = values['control-token'];
  if (token !== undefined && !/^[\x21-\x7e]{8,}$/.test(token)) throw new UsageError('--control-token must be at least 8 printable characters without spaces');
  const emulator = await startEmulator({
    port,
    host,
    ...(token !== undefined ? { controlToken: token } : {}),
    ...(values['allowed-host'] ? { allowedHosts: values['allowed-host'] } : {}),
    faults,
    ...(values.fixtures ? { fixtures: loadFixtures(resolve(values.fixtures)) } : {}),
    ...(values.model ? { model: loadModel(resolve(values.model)) } : {}),
    ...(values.data ? { dataFile: resolve(values.data) } : {}),
    ...(values['shared-ledger'] === true ? { sharedLedger: true } : {}),
    ...(values['no-control'] === true ? { control: false } : {}),
  });
  if (!isLoopbackHost(host)) {
    process.stderr.write(
      `metering-conformance: warning: listening on ${host}, beyond loopback: other machines can reach the emulator; ${
        token === undefined ? 'the control API is disabled (give --control-token T to enable it)' : 'control requests need the --control-token'
      }\n`,
    );
  }
  const notes = [
    ...(faults.length ? [`faults: ${faults.join(', ')}`] : []),
    ...(values['shared-ledger'] === true ? ['one shared ledger'] : []),
    ...(values['no-control'] === true ? ['no control API'] : []),
  ];
  process.stdout.write(`metering-conformance emulator listening on ${emulator.url}${notes.length ? ` (${notes.join('; ')})` : ''}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.close();
  return 0;
}

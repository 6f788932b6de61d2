// `npm run bench`: throughput, CPU, wall time and memory, side by side, in one run. Prints a
// table and writes bench/results.json. Numbers, never assertions: the machines are shared and noisy.
// `--quick` leaves out the --runs 1000 run and draws fewer generated requests; `--only NAME`
// runs one group of rows (see GROUPS) and only prints them, leaving bench/results.json as it is.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import { emulatorThroughput, hostileLoad, loopbackCeiling, recordHostileLoad } from './emulator-load.js';
import { generationRows } from './generation.js';
import { CONCURRENCY, LOAD_SECONDS, WARM_UP_SECONDS } from './load.js';
import { PEER_IN_FLIGHT, peerComparison } from './peer.js';
import { embeddedRun, freshKeysRun, remoteRun, SEED, servedRun, slowestRules, UNAVAILABLE_TIMEOUT_MS, unavailableRun, verdictChanges, type ServedRun, type SuiteRun } from './suite-runs.js';
import { format, Table } from './table.js';

/** The rows' groups, in the order they run; `--only NAME` picks one. */
const GROUPS = ['ceiling', 'emulator', 'served', 'embedded', 'runs-1000', 'generation', 'hostile', 'remote', 'peer', 'fresh-keys', 'unavailable'] as const;
type Group = (typeof GROUPS)[number];
/** Each way, for the remote-target row: a target in another region, roughly. */
const REMOTE_DELAY_MS = 50;

/** The value after `name` on the command line ('' when it is last), undefined without `name`. */
function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : (process.argv[at + 1] ?? '');
}

const quick = process.argv.includes('--quick');
const only = option('--only');
if (only !== undefined && !(GROUPS as readonly string[]).includes(only)) {
  process.stderr.write(`bench: --only takes one of ${GROUPS.join(', ')}\n`);
  process.exit(2);
}
const selected = (group: Group) => (only === undefined ? group !== 'runs-1000' || !quick : only === group);
const table = new Table();
const percentOf = (rate: number, of: number) => `${((rate / of) * 100).toFixed(0)}% of`;

/** "190 pass, 2 not-applicable, …": a run's verdicts, counted. */
function verdictCounts(run: SuiteRun): string {
  const counts = new Map<string, number>();
  for (const { verdict } of run.rules) counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
  return [...counts].map(([verdict, count]) => `${count} ${verdict}`).join(', ');
}

async function main(): Promise<void> {
  process.stderr.write(`metering-conformance bench (concurrency ${CONCURRENCY}, ${LOAD_SECONDS} s per load after ${WARM_UP_SECONDS} s of warm-up)\n`);
  let ceiling: number | undefined;
  if (selected('ceiling')) ceiling = table.record('(a) loopback ceiling, bare node:http', await loopbackCeiling(), 'req/s');

  let emulator: Awaited<ReturnType<typeof emulatorThroughput>> | undefined;
  if (selected('emulator')) {
    emulator = await emulatorThroughput();
    table.record('(b) emulator MeterUsage, signed keep-alive (pre-signed)', emulator.meterUsage, 'req/s', ceiling ? `${percentOf(emulator.meterUsage, ceiling)} (a)` : undefined);
    table.record('(b) emulator BatchMeterUsage (25 records)', emulator.batch, 'req/s', `${format(emulator.batch * 25)} records/s`);
  }

  // The undelayed run against a separate `serve`: the runner's CPU is the suites' own, and its
  // verdicts are what the remote run (h) is compared with.
  let served: ServedRun | undefined;
  if (selected('served') || selected('remote')) served = await servedRun();
  if (served && selected('served')) {
    const cpuMs = (served.cpuSeconds * 1000) / served.requests;
    table.record(
      '(c) runner CPU per judged request (run --endpoint serve)',
      cpuMs,
      'ms',
      `${served.cpuSeconds.toFixed(1)} s user+system of the CLI and its workers / ${served.requests} requests the emulator answered; wall ${(served.wallMs / 1000).toFixed(1)} s, exit ${served.exit}`,
    );
    const testsRate = served.requests / (served.testsMs / 1000);
    table.record('(c) judged requests per second of tests', testsRate, 'req/s', `tests ran ${(served.testsMs / 1000).toFixed(1)} s (report.json run.durationMs)${emulator ? `; ${percentOf(testsRate, emulator.meterUsage)} (b)` : ''}`);
  }

  let embedded: Awaited<ReturnType<typeof embeddedRun>> | undefined;
  if (selected('embedded')) {
    embedded = await embeddedRun();
    table.record('(d) default run (embedded emulator), wall time', embedded.wallMs / 1000, 's', `run --seed ${SEED}, no --endpoint; exit ${embedded.exit}; runner CPU ${embedded.cpuSeconds.toFixed(1)} s, emulator included`);
  }
  if (selected('runs-1000')) {
    const big = await servedRun(1000);
    table.record('(d) run --runs 1000 against serve, wall time', big.wallMs / 1000, 's', `exit ${big.exit}`);
  }

  if (selected('generation')) for (const row of generationRows(quick)) table.record(row.name, row.value, row.unit, row.note);

  if (embedded) {
    const { memory } = embedded;
    table.record('(f) peak RSS, runner of the default run (CLI with embedded emulator + vitest workers, summed)', memory.rssMb, 'MB', `PSS ${Math.round(memory.pssMb)} MB; per process ${memory.processes.join(' + ')} MB`);
  }
  const servedRss = served && selected('served') ? served.emulatorRssMb : undefined;
  if (emulator || servedRss !== undefined) {
    table.record('(f) peak RSS, emulator under load (serve)', Math.max(emulator?.rssMb ?? 0, servedRss ?? 0), 'MB', [emulator && '(b)', servedRss !== undefined && '(c)'].filter(Boolean).join(' and '));
  }

  if (selected('hostile')) recordHostileLoad(table, await hostileLoad());

  if (selected('remote')) {
    const remote = await remoteRun(REMOTE_DELAY_MS);
    const changes = verdictChanges(served!.rules, remote.rules);
    table.record(
      `(h) default run through a ${REMOTE_DELAY_MS} ms delay proxy, wall time`,
      remote.wallMs / 1000,
      's',
      `exit ${remote.exit}; ${changes.length === 0 ? 'verdicts identical to the undelayed run' : `verdicts differ from the undelayed run: ${changes.join(', ')}`}; ${remote.connections} connections, proxy CPU ${remote.proxyCpuSeconds.toFixed(1)} s; slowest rules: ${slowestRules(remote.rules, 5).join(', ')}`,
    );
  }

  if (selected('peer')) {
    const peer = await peerComparison();
    const name = (server: string) => `(i) peer: ${server} BatchMeterUsage, 1 record, ${PEER_IN_FLIGHT} in flight`;
    if ('skipped' in peer) {
      table.record(name('moto'), NaN, 'req/s', `skipped: ${peer.skipped}`);
    } else {
      const closes = (server: string, { closesConnections }: { closesConnections: boolean }) => (closesConnections ? `; ${server} answers Connection: close, a new connection per request` : '');
      table.record(name('emulator'), peer.emulator.rate, 'req/s', `emulator ${(peer.emulator.rate / peer.moto.rate).toFixed(1)}× moto at ${PEER_IN_FLIGHT} in flight${closes('the emulator', peer.emulator)}`);
      table.record(name(`moto ${peer.motoVersion}`), peer.moto.rate, 'req/s', `python3 -m moto.server; same client, same signed request${closes('moto', peer.moto)}`);
    }
  }

  if (selected('fresh-keys')) {
    const run = await freshKeysRun();
    table.record('(j) run against a target with neither caller isolation nor a reset, wall time', run.wallMs / 1000, 's', `serve --shared-ledger --no-control, target.yaml of its fixtures only; exit ${run.exit}; ${verdictCounts(run)}`);
  }
  if (selected('unavailable')) {
    const run = await unavailableRun();
    table.record(`(k) run against a target that answers 503 to everything, wall time`, run.wallMs / 1000, 's', `no config, --timeout ${UNAVAILABLE_TIMEOUT_MS}; exit ${run.exit}; ${verdictCounts(run)}`);
  }

  table.print();
  if (only !== undefined) return;
  const results = { date: new Date().toISOString(), node: process.version, cores: cpus().length, concurrency: CONCURRENCY, loadSeconds: LOAD_SECONDS, warmUpSeconds: WARM_UP_SECONDS, quick, rows: table.rows };
  writeFileSync(join(PACKAGE_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwritten to bench/results.json\n`);
}

await main();

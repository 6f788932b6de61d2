// The conformance suites in a team's own vitest config: against CONFORMANCE_ENDPOINT when it is
// set, else against the embedded reference emulator. Reports go to ./conformance-report.
import { conformanceConfig } from 'metering-conformance';

const { CONFORMANCE_ENDPOINT, CONFORMANCE_SEED, CONFORMANCE_RUNS } = process.env;

export default conformanceConfig({
  endpoint: CONFORMANCE_ENDPOINT || undefined,
  out: 'conformance-report',
  // driver: 'sdk',  // send the requests through @aws-sdk/client-marketplace-metering instead
  seed: CONFORMANCE_SEED ? Number(CONFORMANCE_SEED) : undefined,
  runs: CONFORMANCE_RUNS ? Number(CONFORMANCE_RUNS) : undefined,
});

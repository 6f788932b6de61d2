// What a target knows (fixtures) and can do (capabilities). The reference emulator
// publishes its own description at CONTROL_PREFIX/describe; other targets declare
// theirs in a target.yaml passed with --config.
import type { Operation } from './vocabulary.js';

/** Reserved path prefix of the reference emulator's control API. */
export const CONTROL_PREFIX = '/__metering-conformance/v1';

/**
 * Header every control request that reads or changes state carries (with a JSON Content-Type
 * on a POST): a browser must preflight a request with it, so a web page cannot send one.
 */
export const CONTROL_HEADER = 'x-metering-conformance-control';

/** The control headers of a request to the control API (a POST also sends its JSON body). */
export const CONTROL_HEADERS: Readonly<Record<string, string>> = { [CONTROL_HEADER]: '1', 'content-type': 'application/json' };

/** Environment variable with the bearer token of the target's control API (`serve --control-token T`). */
export const CONTROL_TOKEN_ENV = 'METERING_CONFORMANCE_CONTROL_TOKEN';

/** What a run says when the control API answers 401: where the token goes. */
export const CONTROL_TOKEN_HINT = `the control API wants the target's token (run --control-token T, or ${CONTROL_TOKEN_ENV}=T)`;

/** What a control token must be, as `serve --control-token` checks it: at least 8 printable ASCII characters, no spaces. */
export const CONTROL_TOKEN_PATTERN = /^[\x21-\x7e]{8,}$/;

/**
 * The Authorization header of a control request when CONTROL_TOKEN_ENV is set (never recorded in
 * reports). `run` sets the variable for its test workers when the token came from --control-token
 * or target.yaml, so every control request of a run reads the token from here.
 */
export function controlAuthorization(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const token = env[CONTROL_TOKEN_ENV];
  return token ? { authorization: `Bearer ${token}` } : {};
}

export interface ProductFixture {
  code: string;
  /** Dimensions the product defines; MeterUsage/BatchMeterUsage accept only these. */
  dimensions: string[];
  /** How the product is sold; decides which operations make sense for it. */
  kind: 'ami' | 'container' | 'saas';
  /**
   * false: the callers' accounts hold no subscription to this AMI or container product, so
   * MeterUsage answers CustomerNotEntitledException. Absent means entitled.
   */
  entitled?: boolean;
}

export interface CustomerFixture {
  /** Legacy CustomerIdentifier (from ResolveCustomer); absent for new integrations. */
  identifier?: string;
  accountId: string;
  productCode: string;
  licenseArn?: string;
  subscribed: boolean;
}

export interface TokenFixture {
  token: string;
  state: 'valid' | 'expired';
  /** The customer the token resolves to (index into customers by accountId). */
  customerAccountId?: string;
}

export interface RegistrationFixture {
  productCode: string;
  publicKeyVersions: number[];
  /** RegisterUsage outcome for this product: entitled, not entitled, or platform unsupported. */
  entitlement: 'entitled' | 'not-entitled' | 'platform-not-supported';
}

/** A Region the target serves besides its home `region` (where every caller runs). */
export interface RegionFixture {
  region: string;
  /** Operations answered DisabledApiException in this Region. */
  disabledApis?: Operation[];
}

export interface TargetFixtures {
  products: ProductFixture[];
  customers: CustomerFixture[];
  tokens: TokenFixture[];
  registrations: RegistrationFixture[];
  /**
   * Regions served besides the home `region`. A MeterUsage signed for one of them answers
   * InvalidEndpointRegionException and a RegisterUsage InvalidRegionException (the caller runs in
   * the home Region); an operation listed in its disabledApis answers DisabledApiException.
   */
  otherRegions?: RegionFixture[];
}

/**
 * A request to a target's own control plane, as target.yaml describes it (moto's
 * `POST /moto-api/reset`): sent to the endpoint's origin, the path below it.
 */
export interface DescribedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Starts with "/": a path of the target's endpoint, never another host. */
  path: string;
  /** Sent as it is; an object is sent as JSON (with Content-Type: application/json unless headers say otherwise). */
  body?: string | Record<string, unknown>;
  /** Extra request headers; their values are kept out of reports like the credentials. */
  headers?: Record<string, string>;
}

export interface TargetCapabilities {
  /** Every access key id is its own caller (instance/task/pod, seller account) with its own ledger. */
  callerIsolation: boolean;
  /**
   * The target's clock can be set: true for this project's control API (POST CONTROL_PREFIX/clock,
   * each caller's clock), or the request that sets the whole target's clock on another control
   * plane, with placeholders where the instant goes (target/clock-request.ts).
   */
  clockControl: boolean | DescribedRequest;
  /**
   * All state can be reset: true for this project's control API (POST CONTROL_PREFIX/reset), or
   * the request that resets it on another control plane. Without callerIsolation, a run resets
   * the target before each property run instead, one run at a time.
   */
  reset: boolean | DescribedRequest;
  /** The control API returns the recorded ledger. */
  ledgerRead: boolean;
  /** The control API issues registration tokens (POST CONTROL_PREFIX/tokens) that expire on the target's clock. */
  tokenIssue?: boolean;
  /** The control API throttles a caller (POST CONTROL_PREFIX/throttle): its next requests answer ThrottlingException. */
  throttle?: boolean;
}

export interface TargetCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Where a caller declared in target.yaml (`callers`) takes its credentials from: a profile of the
 * shared AWS files, or environment variables named here. The names go into curl lines; the
 * values never go anywhere but the signature.
 */
export type CallerSource = { profile: string } | { accessKeyIdVariable: string; secretAccessKeyVariable: string; sessionTokenVariable?: string };

/** A caller besides the run's own credentials (target.yaml `callers`): its credentials and where they came from. */
export interface DeclaredCaller {
  credentials: TargetCredentials;
  source: CallerSource;
}

/** How the run reaches a target (target/reach.ts); absent fields mean directly, trusting the system's authorities. */
export interface Reach {
  /** A PEM file of certificate authorities trusted besides the system's. */
  caFile?: string;
  /** The proxy the environment names for this endpoint (it may hold credentials: never printed). */
  proxy?: string;
  /** The variable it came from, for notes: "HTTPS_PROXY". */
  proxyVariable?: string;
}

export interface TargetDescription {
  /** Base URL, e.g. http://127.0.0.1:5055 */
  endpoint: string;
  region: string;
  /** Human label for reports ("embedded emulator", a URL). Never holds secrets. */
  label: string;
  credentials: TargetCredentials;
  /** Where the credentials came from, for reports ("built-in test credentials", a variable, a profile). Never their values. */
  credentialsSource?: string;
  /**
   * Callers besides `credentials` (target.yaml `callers`), each a MeterUsage caller of its own
   * (an instance, task or pod): on a target without a clean ledger, every one multiplies the
   * MeterUsage keys the property runs can record on.
   */
  callers?: DeclaredCaller[];
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
  /** Behaviour the target promises for implementation-defined rules: rule id → promised outcome text. */
  promises?: Record<string, string>;
  /** Operations that gave no awsJson answer in the preflight (target/preflight.ts): operation → what came back. */
  unimplemented?: Record<string, string>;
  /** Fault modes the target publishes in its describe document (the reference emulator's `serve --fault`); reports show them. */
  faults?: string[];
  /** How the run reaches it: a proxy, a private certificate authority. */
  reach?: Reach;
}

/**
 * How each property run gets a clean ledger on a target: its own caller, or a reset before it;
 * on a target with neither, it uses only duplicate keys no other property run recorded on
 * (fresh-keys). Outside caller isolation, property runs go one at a time.
 */
export type LedgerMode = 'caller-isolation' | 'reset' | 'fresh-keys';

export function ledgerModeOf(capabilities: TargetCapabilities): LedgerMode {
  if (capabilities.callerIsolation) return 'caller-isolation';
  return capabilities.reset !== false ? 'reset' : 'fresh-keys';
}

export const NO_CAPABILITIES: TargetCapabilities = {
  callerIsolation: false,
  clockControl: false,
  reset: false,
  ledgerRead: false,
  tokenIssue: false,
  throttle: false,
};

export const EMPTY_FIXTURES: TargetFixtures = { products: [], customers: [], tokens: [], registrations: [], otherRegions: [] };

/** Fixed, well-known test credentials for loopback targets. Not a secret: never valid on AWS. */
export const TEST_CREDENTIALS: TargetCredentials = {
  accessKeyId: 'MCTESTACCESSKEY00001',
  secretAccessKey: 'metering-conformance-test-secret',
};

export const TEST_CREDENTIALS_SOURCE = 'built-in test credentials';

/** Credentials whose secret is the public test secret: safe to print (curl lines, scripts). */
export function isTestCredentials(credentials: TargetCredentials): boolean {
  return credentials.secretAccessKey === TEST_CREDENTIALS.secretAccessKey && credentials.sessionToken === undefined;
}

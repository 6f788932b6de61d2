// The target.yaml `init` writes: what the survey of the target learned as values, and every key
// still to fill as a comment with an example and the rules that need it (the needs of
// catalogue/needs.ts, judged as a run judges them). Valid as written: a list init could not
// learn is empty, a capability it could not learn false.
import { dirname, relative, resolve } from 'node:path';
import { Document, stringify, visit } from 'yaml';
import { missingDeclarations } from '../catalogue/coverage.js';
import { CAPABILITY_NEED_SPECS, FIXTURE_NEED_SPECS } from '../catalogue/needs.js';
import { CAPABILITY_NEEDS, FIXTURE_NEEDS, type FixtureNeed, type Rule } from '../catalogue/rules.js';
import { CONTROL_PREFIX, CONTROL_TOKEN_ENV, NO_CAPABILITIES, type TargetCapabilities, type TargetFixtures } from '../core/description.js';
import { OPERATIONS } from '../core/vocabulary.js';
import { MOTO_STATE_PATH, type TargetSurvey } from '../target/survey.js';

type Section = keyof TargetFixtures;
const SECTIONS: Section[] = ['products', 'customers', 'tokens', 'registrations', 'otherRegions'];
const CAPABILITIES = Object.keys(NO_CAPABILITIES) as (keyof TargetCapabilities)[];
/** Comment lines wrap here. */
const WIDTH = 100;
/** A list with an item longer than this is written as blocks. */
const ITEM_WIDTH = 120;

/** What to uncomment and adapt for each fixture need; together they declare every need (see the test). */
export const FIXTURE_EXAMPLES: Record<FixtureNeed, object> = {
  product: { code: 'my-ami-product', kind: 'ami', dimensions: ['Hours', 'Users'] },
  'saas-product': { code: 'my-saas-product', kind: 'saas', dimensions: ['ApiCalls', 'Seats'] },
  customer: { accountId: '111122223333', productCode: 'my-saas-product', subscribed: true },
  'legacy-customer': { identifier: 'my-legacy-customer-id', accountId: '222233334444', productCode: 'my-saas-product', subscribed: true },
  'unsubscribed-customer': { accountId: '777788889999', productCode: 'my-saas-product', subscribed: false },
  token: { token: 'my-valid-registration-token', state: 'valid', customerAccountId: '111122223333' },
  'unsubscribed-token': { token: 'my-unsubscribed-customer-token', state: 'valid', customerAccountId: '777788889999' },
  'expired-token': { token: 'my-expired-registration-token', state: 'expired', customerAccountId: '111122223333' },
  license: {
    accountId: '444455556666',
    productCode: 'my-saas-product',
    licenseArn: 'arn:aws:license-manager::444455556666:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    subscribed: true,
  },
  registration: { productCode: 'my-container-product', publicKeyVersions: [1], entitlement: 'entitled' },
  'registration-not-entitled': { productCode: 'my-unentitled-container-product', publicKeyVersions: [1], entitlement: 'not-entitled' },
  'registration-platform-not-supported': { productCode: 'my-other-platform-product', publicKeyVersions: [1], entitlement: 'platform-not-supported' },
  'unentitled-product': { code: 'my-unentitled-container-product', kind: 'container', dimensions: ['Tasks'], entitled: false },
  'other-region': { region: 'us-west-2' },
  'disabled-api-region': { region: 'eu-central-1', disabledApis: ['BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer'] },
};

const MOTO_NO_SUBSCRIPTION = 'moto 5.2.1 has no way to subscribe a customer in server mode (every record answers CustomerNotSubscribed)';
const MOTO_NO_CONTROL = "moto 5.2.1 serves none of this project's control API";
const MOTO_RESET_NOTE =
  "moto's own reset (init never sent it): without caller isolation, run sends it before each property run, one property run at a time, so the rules that need a clean ledger are judged. It resets every service of that moto server.";
const REAL_SERVICE_NO_CONTROL = 'the real service has no control API';
/** The keys of the capabilities only this project's control API provides (a clean ledger may come from another's reset). */
const CONTROL_KEYS = CAPABILITY_NEEDS.filter((n) => n !== 'cleanLedger').map((n) => CAPABILITY_NEED_SPECS[n].key);

/** Keys the target cannot offer, with why: shown, never counted as keys to fill. */
function limitsOf(survey: TargetSurvey): Map<string, string> {
  const control = (why: string) => CONTROL_KEYS.map((key): [string, string] => [key, why]);
  if (survey.moto) {
    return new Map([[FIXTURE_NEED_SPECS.customer.key, MOTO_NO_SUBSCRIPTION], [FIXTURE_NEED_SPECS['legacy-customer'].key, MOTO_NO_SUBSCRIPTION], ...control(MOTO_NO_CONTROL)]);
  }
  if (survey.realService) return new Map(control(REAL_SERVICE_NO_CONTROL));
  return new Map();
}

/** A target.yaml key that rules judgeable here lack. */
interface MissingKey {
  /** As catalogue/needs.ts names it: `fixtures.products (kind saas)`, `capabilities.throttle`. */
  key: string;
  /** What it declares, in words (two needs may share a key). */
  texts: string[];
  /** The rules that lack it. */
  rules: string[];
  /** Those of them that lack nothing the target cannot offer: filling the keys to fill unlocks them. */
  unlockable: string[];
  /** Why the target cannot offer it. */
  cannot?: string;
}

/** A key worth filling: the target can offer it and some rule it would unlock needs it. */
const toFill = (missing: MissingKey) => missing.cannot === undefined && missing.unlockable.length > 0;

export interface Skeleton {
  text: string;
  keysToFill: number;
  /** Rules judgeable here that lack only keys to fill: what filling them all unlocks. */
  rulesUnlocked: number;
}

/**
 * `text` as comment lines at `indent`, wrapped at WIDTH. `lead` opens the first line (an aligned
 * column) and continuation lines align after it; without one they are indented two more.
 */
function comment(text: string, indent = '', lead = ''): string[] {
  const hang = lead === '' ? '  ' : ' '.repeat(lead.length);
  const lines: string[] = [];
  let line = `${indent}# ${lead}`;
  let words = 0;
  for (const word of text.split(' ')) {
    if (words > 0 && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = `${indent}# ${hang}`;
      words = 0;
    }
    line += words === 0 ? word : ` ${word}`;
    words++;
  }
  return [...lines, line];
}

/** An item as a flow mapping on one line: `{ code: p, kind: ami, dimensions: [Hours] }`. */
function flowOf(item: object): string {
  return stringify(item, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trim().replace(/^\{(.*)\}$/, '{ $1 }');
}

/** An item as a block mapping, its lists still on one line. */
function blockOf(item: object): string[] {
  const doc = new Document(item);
  visit(doc, {
    Seq(_, node) {
      node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd().split('\n');
}

/** List items at `indent`: one line each when all fit within ITEM_WIDTH, else all as blocks (one style per list). */
function listLines(items: object[], indent: string): string[] {
  const flows = items.map(flowOf);
  if (flows.every((flow) => indent.length + 2 + flow.length <= ITEM_WIDTH)) return flows.map((flow) => `${indent}- ${flow}`);
  return items.flatMap((item) => blockOf(item).map((line, i) => `${indent}${i === 0 ? '- ' : '  '}${line}`));
}

/** Rule ids grouped by family, for a comment: `batch-meter-usage.* (20), meter-usage.not-entitled, …`. */
function ruleGroups(ids: string[]): string {
  const families = new Map<string, string[]>();
  for (const id of ids) {
    const family = id.split('.')[0];
    families.set(family, [...(families.get(family) ?? []), id]);
  }
  // The largest families first: they say most about what the key is for.
  const names = [...families].sort(([, a], [, b]) => b.length - a.length).map(([family, members]) => (members.length === 1 ? members[0] : `${family}.* (${members.length})`));
  return names.length > 4 ? `${names.slice(0, 4).join(', ')}, …` : names.join(', ');
}

const needIt = (n: number) => (n === 1 ? '1 rule needs it' : `${n} rules need it`);

/** The comment above a missing key: what it declares, the rules that need it, and examples to adapt. */
function missingKeyLines(missing: MissingKey, indent: string): string[] {
  // A key not to fill gets one short line: how many rules wait for it, and why in vain.
  const count = missing.rules.length;
  if (missing.cannot !== undefined) return comment(`${missing.key}: ${needIt(count)}, but ${missing.cannot}.`, indent);
  if (!toFill(missing)) return comment(`${missing.key}: ${needIt(count)}, but ${count === 1 ? 'it also needs' : 'they also need'} what this target cannot offer.`, indent);
  const needs = FIXTURE_NEEDS.filter((n) => FIXTURE_NEED_SPECS[n].key === missing.key && missing.texts.includes(FIXTURE_NEED_SPECS[n].text));
  // Two needs of one key are named in catalogue order; a capability is a boolean to set.
  const what =
    needs.length > 0
      ? needs.map((n) => FIXTURE_NEED_SPECS[n].text).join('; ')
      : missing.key === CAPABILITY_NEED_SPECS.cleanLedger.key
        ? `${missing.texts.join('; ')}: callerIsolation: true when every access key id is its own caller, or reset: the request that resets the target, e.g. { method: POST, path: /admin/reset }`
        : `${missing.texts.join('; ')}; true when the target has it`;
  return [
    ...comment(`TO FILL ${missing.key}: ${what}. ${needIt(missing.unlockable.length)} (${ruleGroups(missing.unlockable)}).`, indent),
    ...needs.flatMap((n) => listLines([FIXTURE_EXAMPLES[n]], '').map((line) => `${indent}#   ${line}`)),
  ];
}

/** The rules a run could judge here: those with an operation that gave an awsJson answer. */
function judgeable(rules: Rule[], survey: TargetSurvey): Rule[] {
  const answered = new Set(survey.answers.filter((a) => a.awsJson).map((a) => a.operation));
  return rules.filter((rule) => rule.operations.some((op) => answered.has(op)));
}

/** The keys the rules judgeable here lack, each with those rules. */
function missingKeys(rules: Rule[], survey: TargetSurvey): Map<string, MissingKey> {
  const { fixtures, capabilities } = survey.description;
  const limits = limitsOf(survey);
  const keys = new Map<string, MissingKey>();
  for (const rule of judgeable(rules, survey)) {
    const missing = missingDeclarations(rule, { fixtures, capabilities });
    const unlockable = missing.every(({ key }) => !limits.has(key));
    for (const { key, text } of missing) {
      const entry = keys.get(key) ?? { key, texts: [], rules: [], unlockable: [], ...(limits.has(key) ? { cannot: limits.get(key) } : {}) };
      if (!entry.texts.includes(text)) entry.texts.push(text);
      entry.rules.push(rule.id);
      if (unlockable) entry.unlockable.push(rule.id);
      keys.set(key, entry);
    }
  }
  return keys;
}

/** What each operation's request that records nothing got back, one aligned column. */
function answerLines(survey: TargetSurvey): string[] {
  const width = Math.max(...OPERATIONS.map((op) => op.length));
  return OPERATIONS.flatMap((operation) => {
    const answer = survey.answers.find((a) => a.operation === operation);
    // A detail already shown for another operation is named, not repeated.
    const first = survey.answers.find((a) => !a.awsJson && a.detail === answer?.detail);
    const what =
      answer === undefined
        ? 'not sent: the real service gets only DryRun MeterUsage and ResolveCustomer calls; rules that need other calls are not-applicable'
        : answer.awsJson
          ? answer.detail
          : `no awsJson answer (${first === answer ? answer.detail : `as ${first!.operation}`}): its rules are not-applicable`;
    return comment(what, '', `  ${operation.padEnd(width)}  `);
  });
}

/** Where the survey's values came from, and what the target is. */
function sourceLines(survey: TargetSurvey): string[] {
  const { endpoint } = survey.description;
  if (survey.publishes) {
    return comment(
      `The target publishes its region, fixtures and capabilities (GET ${CONTROL_PREFIX}/describe; the reference emulator does), so \`metering-conformance run --endpoint ${endpoint}\` alone already uses them. Below is what it published now; with --config, run takes this file instead.`,
    );
  }
  if (survey.moto) {
    return comment(
      `GET ${MOTO_STATE_PATH} answered: this looks like moto (python3 -m moto.server). What moto 5.2.1 offers: BatchMeterUsage only. It never stores a record (no caller ever sees one, its own included), has no way to subscribe a customer in server mode (every record answers CustomerNotSubscribed) and serves none of this project's control API; its own reset gives each property run a clean ledger.`,
    );
  }
  if (survey.realService) {
    return comment(
      `${new URL(endpoint).host} is the real AWS Marketplace Metering Service: run needs --allow-real-service for it and then sends only DryRun MeterUsage and ResolveCustomer calls. Declare the products and tokens of your own listing.`,
    );
  }
  return comment(`The target publishes no describe document (GET ${CONTROL_PREFIX}/describe) and is not moto: declare below what it knows and can do.`);
}

function headerLines(survey: TargetSurvey, file: string, keysToFill: number): string[] {
  const unanswered = survey.answers.length < OPERATIONS.length || survey.answers.some((a) => !a.awsJson);
  return [
    '# yaml-language-server: $schema=./node_modules/metering-conformance/target/target.schema.json',
    ...comment(`target.yaml of ${survey.description.endpoint}, written by \`metering-conformance init\`, which sent only requests that change nothing.`),
    ...sourceLines(survey),
    '# Answers to requests that record nothing (an unknown product, an empty batch, a token nobody issued):',
    ...answerLines(survey),
    ...(keysToFill > 0
      ? comment(
          `Keys marked TO FILL are what rules judgeable here still lack, each with the rules that need it (rules that only expect rejections also wait for their operation's control rule). Uncomment and adapt the examples, then list what is still missing with: metering-conformance rules --needs --config ${file}`,
        )
      : comment('Nothing to fill: every rule judgeable here has what it needs.')),
    ...(unanswered ? comment('What only the rules of operations without an awsJson answer need is left empty or false, without comment.') : []),
  ];
}

function regionLines(survey: TargetSurvey): string[] {
  const why = survey.publishes
    ? ['# published by the target']
    : comment(
        "Not learned: the Region the target checks signatures against. This is what run would sign for (AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1); change it if the target wants another.",
      );
  return [...why, `region: ${survey.description.region}`];
}

/** The target.yaml keys of fixture needs, in catalogue order (two needs may share one). */
const FIXTURE_KEYS = [...new Set(FIXTURE_NEEDS.map((need) => FIXTURE_NEED_SPECS[need].key))];

function fixtureLines(survey: TargetSurvey, keys: Map<string, MissingKey>): string[] {
  return [
    'fixtures:',
    ...SECTIONS.flatMap((section) => {
      // A key names its list first: `fixtures.customers[].licenseArn` is about customers.
      const missing = FIXTURE_KEYS.filter((key) => key.startsWith(`fixtures.${section}`)).flatMap((key) => keys.get(key) ?? []);
      const items: object[] = survey.description.fixtures[section] ?? [];
      return [...missing.flatMap((m) => missingKeyLines(m, '  ')), items.length === 0 ? `  ${section}: []` : `  ${section}:`, ...listLines(items, '    ')];
    }),
  ];
}

/** A capability's value as target.yaml writes it: a boolean, or the request a reset sends. */
function capabilityValue(value: TargetCapabilities[keyof TargetCapabilities]): string {
  return typeof value === 'object' ? flowOf(value) : String(value === true);
}

function capabilityLines(survey: TargetSurvey, keys: Map<string, MissingKey>): string[] {
  const { capabilities } = survey.description;
  return [
    'capabilities:',
    ...CAPABILITIES.flatMap((capability) => {
      // A clean ledger comes from either of two keys: what it needs is said once, above the first.
      const missing = keys.get(capability === 'callerIsolation' ? CAPABILITY_NEED_SPECS.cleanLedger.key : `capabilities.${capability}`);
      const reset = capability === 'reset' && typeof capabilities.reset === 'object' && survey.moto ? comment(MOTO_RESET_NOTE, '  ') : [];
      return [...(missing ? missingKeyLines(missing, '  ') : []), ...reset, `  ${capability}: ${capabilityValue(capabilities[capability])}`];
    }),
  ];
}

/** The private certificate authority init was given, relative to the file, as run reads it. */
function caFileLines(survey: TargetSurvey, file: string): string[] {
  const caFile = survey.description.reach?.caFile;
  return caFile === undefined ? [] : [`caFile: ${stringify(relative(dirname(resolve(file)), caFile) || caFile).trim()}`];
}

/** Where more MeterUsage callers would go: keys for the rules that need a clean ledger, on a target that gives none. */
function callersLines(): string[] {
  return [
    ...comment(
      'Without callerIsolation or reset, the rules that need a clean ledger record on keys no earlier property run recorded on. Every MeterUsage caller (an instance, task or pod) adds as many keys an hour as the products have dimensions: list more callers under callers, each by where its credentials are (a profile, or variables), never the credentials. For example:',
    ),
    '# callers:',
    '#   - { profile: instance-2 }',
    '#   - { accessKeyIdVariable: CALLER3_KEY, secretAccessKeyVariable: CALLER3_SECRET }',
  ];
}

/** The keys no probe can learn: a secret, callers, and promises about implementation-defined rules. */
function closingLines(survey: TargetSurvey): string[] {
  // moto and the real service have no control API to guard.
  const hasControl = !survey.moto && !survey.realService;
  const token = `controlToken: the bearer token of the target's control API (${CONTROL_PREFIX}/…), if it wants one. A secret: better in ${CONTROL_TOKEN_ENV} or run --control-token than in this file.`;
  const { callerIsolation, reset } = survey.description.capabilities;
  const callers = callerIsolation || reset !== false || survey.realService ? [] : callersLines();
  return [
    ...(hasControl ? comment(token) : []),
    ...callers,
    ...comment('For an implementation-defined rule, the outcome the target promises, in words, goes under promises; the report shows it beside what the target did. For example:'),
    '# promises:',
    '#   meter-usage.duplicate-tag-keys: InvalidTagException',
  ];
}

/** The target.yaml for what `survey` learned, judged against `rules`; `file` is where it goes (named in its comments). */
export function targetSkeleton(survey: TargetSurvey, rules: Rule[], file: string): Skeleton {
  const keys = missingKeys(rules, survey);
  const filling = [...keys.values()].filter(toFill);
  const keysToFill = filling.length;
  const rulesUnlocked = new Set(filling.flatMap((k) => k.unlockable)).size;
  const lines = [
    ...headerLines(survey, file, keysToFill),
    '',
    `endpoint: ${stringify(survey.description.endpoint).trim()}`,
    ...caFileLines(survey, file),
    ...regionLines(survey),
    ...fixtureLines(survey, keys),
    ...capabilityLines(survey, keys),
    ...closingLines(survey),
  ];
  return { text: `${lines.join('\n')}\n`, keysToFill, rulesUnlocked };
}

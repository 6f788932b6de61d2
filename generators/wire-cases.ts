// Wire-level malformations and framings of the protocol rules, declared as data in the manner
// of Smithy's protocol tests: each row names the rule it serves, says why the answer it expects
// is right, and gives the request as it goes on the wire and the answer it must get. The suite
// (suites/protocol.test.ts) sends every row through the raw driver and judges the answer, as
// the first examples of the rule's property; the generated cases of that property
// (protocol-requests.ts) have the same shape, so one runner judges both. Adding a case is
// adding a row.
import { JSON_CONTENT_TYPE, TARGET_PREFIX } from '../core/wire.js';

/**
 * A request body: text as sent, bytes as hex (for bodies that are not UTF-8), or a valid input
 * of the operation made from the target's fixtures (its first meterable product, ten minutes
 * ago, quantity 1) for rows whose point is elsewhere than in the body.
 */
export type WireBody = string | { hex: string } | { validInput: 'MeterUsage' };

/** A request as the raw driver sends it. */
export interface WireRequest {
  /** Frames the request for this operation (X-Amz-Target `AWSMPMeteringService.<operation>`); absent, no X-Amz-Target is added. */
  operation?: string;
  method?: string;
  path?: string;
  /** Headers to add or override (x-amz-target, content-type, …); null removes a header the driver adds. */
  headers?: Record<string, string | null>;
  body: WireBody;
  /** Sign the request (default true). */
  sign?: boolean;
}

/** The answer a case must get. */
export interface WireExpectation {
  /** An exact status, or a class: '2xx' (a success), '4xx' (a client error), 'below-500' (anything but a server error). */
  status: number | '2xx' | '4xx' | 'below-500';
  /** The error type the answer must name. */
  errorType?: string;
  /** A non-empty string member the success output must have. */
  stringMember?: string;
  /**
   * The answer must have the status and error type of the answer to this other request, sent
   * first; then `status` is what that other request must get.
   */
  sameAnswerAs?: WireRequest & { operation: string; body: string };
}

/** One wire case, from the table or generated. */
export interface WireCase {
  /** What is wrong with (or particular to) the request, in the words of the rule's verdict. */
  situation: string;
  /** The situation an implementation-defined rule records the answer under; default `situation`. */
  group?: string;
  request: WireRequest;
  expected: WireExpectation;
}

/** A row of the table. */
export interface WireRow extends WireCase {
  /** The rule whose verdict the row serves. */
  id: string;
  /** Why the expected answer is the right one: one sentence. */
  why: string;
  /** The implementation-defined rule that also records the answer to this row (its status and error type). */
  observedBy?: string;
}

const VALID_METER_USAGE = { validInput: 'MeterUsage' } as const;

const UNKNOWN_OPERATION_WHY = 'An X-Amz-Target that names no operation of the service leaves nothing to carry out, whatever the body, so it is the caller\'s error.';
const NOT_AN_OBJECT_WHY = 'The protocol carries an operation\'s input as a JSON object; a body that is not one carries no input, so it is the caller\'s error.';
const NEVER_5XX_WHY = 'A request the target cannot read is the caller\'s fault, so the answer may be any status but a server error.';
const EMPTY_BODY_WHY = 'Servers of the protocol must accept an empty body and read it as the empty object {}, so both get the same answer.';
const CHARSET_WHY = 'A media type may carry parameters, and the Smithy protocol tests have awsJson1_1 servers accept a charset parameter.';

export const WIRE_CASES: readonly WireRow[] = [
  // ---- unknown operations (the answer's code is recorded by protocol.unknown-operation-code)
  {
    id: 'protocol.unknown-operation',
    why: UNKNOWN_OPERATION_WHY,
    situation: 'an operation name the service does not have',
    request: { headers: { 'x-amz-target': `${TARGET_PREFIX}.ConformanceNoSuchOperation` }, body: VALID_METER_USAGE },
    expected: { status: '4xx' },
    observedBy: 'protocol.unknown-operation-code',
  },
  {
    id: 'protocol.unknown-operation',
    why: 'The target prefix names the service; MeterUsage under another prefix is an operation of some other service.',
    situation: 'another target prefix before MeterUsage',
    request: { headers: { 'x-amz-target': 'ConformanceOtherService.MeterUsage' }, body: VALID_METER_USAGE },
    expected: { status: '4xx' },
    observedBy: 'protocol.unknown-operation-code',
  },
  {
    id: 'protocol.unknown-operation',
    why: 'The protocol names an operation as prefix.name; a bare operation name does not name one of this service.',
    situation: 'the operation name without the target prefix',
    request: { headers: { 'x-amz-target': 'MeterUsage' }, body: VALID_METER_USAGE },
    expected: { status: '4xx' },
    observedBy: 'protocol.unknown-operation-code',
  },
  {
    id: 'protocol.unknown-operation',
    why: UNKNOWN_OPERATION_WHY,
    situation: 'the target prefix without an operation name',
    request: { headers: { 'x-amz-target': `${TARGET_PREFIX}.` }, body: VALID_METER_USAGE },
    expected: { status: '4xx' },
    observedBy: 'protocol.unknown-operation-code',
  },
  {
    id: 'protocol.unknown-operation',
    why: 'An empty X-Amz-Target names no operation, so there is nothing to carry out.',
    situation: 'an empty X-Amz-Target',
    request: { headers: { 'x-amz-target': '' }, body: VALID_METER_USAGE },
    expected: { status: '4xx' },
    observedBy: 'protocol.unknown-operation-code',
  },
  {
    id: 'protocol.unknown-operation',
    why: 'Without X-Amz-Target the request names no operation, so there is nothing to carry out.',
    situation: 'no X-Amz-Target header',
    request: { headers: { 'x-amz-target': null }, body: VALID_METER_USAGE },
    expected: { status: '4xx' },
    observedBy: 'protocol.unknown-operation-code',
  },

  // ---- bodies that are not a JSON object (codes recorded by protocol.malformed-json-code)
  {
    id: 'protocol.malformed-json',
    why: 'Truncated JSON does not parse, so the body carries no input the operation could read.',
    situation: 'a body with truncated JSON',
    group: 'unparseable JSON body',
    request: { operation: 'MeterUsage', body: '{"ProductCode":' },
    expected: { status: '4xx' },
    observedBy: 'protocol.malformed-json-code',
  },
  {
    id: 'protocol.malformed-json',
    why: NOT_AN_OBJECT_WHY,
    situation: 'a body with a JSON value that is not an object',
    group: 'a JSON value that is not an object',
    request: { operation: 'MeterUsage', body: '[]' },
    expected: { status: '4xx' },
    observedBy: 'protocol.malformed-json-code',
  },
  {
    id: 'protocol.malformed-json',
    why: 'JSON null is a value but not an object, and the rule holds for every operation, BatchMeterUsage too.',
    situation: 'a body with a JSON value that is not an object',
    group: 'a JSON value that is not an object',
    request: { operation: 'BatchMeterUsage', body: 'null' },
    expected: { status: '4xx' },
    observedBy: 'protocol.malformed-json-code',
  },
  {
    id: 'protocol.malformed-json',
    why: 'JSON strings are double-quoted; single quotes make the text unparseable, for RegisterUsage as for any operation.',
    situation: 'a body with single-quoted strings',
    group: 'unparseable JSON body',
    request: { operation: 'RegisterUsage', body: "{'ProductCode':'conformance-product','PublicKeyVersion':1}" },
    expected: { status: '4xx' },
    observedBy: 'protocol.malformed-json-code',
  },
  {
    id: 'protocol.malformed-json',
    why: 'Text after the closing brace makes the whole body unparseable, even when it starts with a valid ResolveCustomer object.',
    situation: 'a body with characters after the JSON object',
    group: 'unparseable JSON body',
    request: { operation: 'ResolveCustomer', body: '{"RegistrationToken":"conformance-token"}}' },
    expected: { status: '4xx' },
    observedBy: 'protocol.malformed-json-code',
  },

  // ---- malformed requests of other kinds: never a server error
  {
    id: 'protocol.malformed-never-5xx',
    why: 'A member of the wrong JSON type is the caller\'s mistake, never the server\'s fault.',
    situation: 'a string where an integer is modeled',
    request: { operation: 'MeterUsage', body: '{"ProductCode":"p","UsageDimension":"d","Timestamp":1700000000,"UsageQuantity":"12"}' },
    expected: { status: 'below-500' },
    observedBy: 'protocol.malformed-json-code',
  },
  {
    id: 'protocol.malformed-never-5xx',
    why: NEVER_5XX_WHY,
    situation: 'a body of bytes that are not UTF-8',
    request: { operation: 'MeterUsage', body: { hex: 'fffe00c328a0e282' } },
    expected: { status: 'below-500' },
  },
  {
    id: 'protocol.malformed-never-5xx',
    why: 'A content type of another protocol (here plain text) is the caller\'s mistake, never the server\'s fault.',
    situation: 'Content-Type text/plain',
    request: { operation: 'MeterUsage', headers: { 'content-type': 'text/plain' }, body: '{"ProductCode":"p","UsageDimension":"d","Timestamp":1700000000,"UsageQuantity":1}' },
    expected: { status: 'below-500' },
  },
  {
    id: 'protocol.malformed-never-5xx',
    why: 'The awsJson1_0 content type belongs to another protocol version; a request framed for it is the caller\'s mistake.',
    situation: 'Content-Type application/x-amz-json-1.0',
    request: { operation: 'MeterUsage', headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{"ProductCode":"p","UsageDimension":"d","Timestamp":1700000000,"UsageQuantity":1}' },
    expected: { status: 'below-500' },
  },
  {
    id: 'protocol.malformed-never-5xx',
    why: NEVER_5XX_WHY,
    situation: 'no Content-Type header',
    request: { operation: 'MeterUsage', headers: { 'content-type': null }, body: '{"ProductCode":"p","UsageDimension":"d","Timestamp":1700000000,"UsageQuantity":1}' },
    expected: { status: 'below-500' },
  },

  // ---- the empty body, read as {}
  ...['MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer'].map(
    (operation): WireRow => ({
      id: 'protocol.empty-body',
      why: EMPTY_BODY_WHY,
      situation: 'the empty body',
      request: { operation, body: '' },
      expected: { status: 'below-500', sameAnswerAs: { operation, body: '{}' } },
    }),
  ),

  // ---- content types with parameters
  ...[`${JSON_CONTENT_TYPE}; charset=utf-8`, `${JSON_CONTENT_TYPE};charset=utf-8`, `${JSON_CONTENT_TYPE}; charset=UTF-8`].map(
    (contentType): WireRow => ({
      id: 'protocol.content-type-parameters',
      why: CHARSET_WHY,
      situation: `with Content-Type "${contentType}"`,
      request: { operation: 'MeterUsage', headers: { 'content-type': contentType }, body: VALID_METER_USAGE },
      expected: { status: '2xx', stringMember: 'MeteringRecordId' },
    }),
  ),
];

/** The rows that serve `ruleId`. */
export const rowsServing = (ruleId: string): WireRow[] => WIRE_CASES.filter((row) => row.id === ruleId);

/** The rows whose answers `ruleId` (an implementation-defined rule) records. */
export const rowsObservedBy = (ruleId: string): WireRow[] => WIRE_CASES.filter((row) => row.observedBy === ruleId);

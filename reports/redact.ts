// Belt and braces: drivers already redact credentials, but a report must never carry one,
// whatever a suite or a hostile target put into it. Applied to every string (and key) in a report.
import type { Report } from './types.js';

export const REDACTED = '[REDACTED]';

/** Keys whose values are credentials wherever they appear (header maps, configs). */
const SECRET_KEYS = /^(authorization|proxy-authorization|x-amz-security-token|x-amz-signature|x-amz-credential|secretaccesskey|sessiontoken|aws_secret_access_key|aws_session_token)$/i;

const PATTERNS: [RegExp, string][] = [
  // SigV4 Authorization value, wherever it appears (header dumps, curl lines, JSON).
  [/AWS4-HMAC-SHA256\s+Credential=[^\s"'\\]*(?:[\s,]+(?:SignedHeaders|Signature)=[^\s"'\\,]*)*/g, `AWS4-HMAC-SHA256 ${REDACTED}`],
  // "Authorization: value", "authorization": "value", -H 'Authorization: value'. A shell
  // variable ($AUTHORIZATION in a curl line, "Bearer $METERING_CONFORMANCE_CONTROL_TOKEN" in a
  // script's control call) is how credentials are meant to appear: kept.
  [/(\bauthorization\\?["']?\s*[:=]\s*\\?["']?)(?![\s$]|\[REDACTED\]|Bearer \$)[^"'\\\r\n]+/gi, `$1${REDACTED}`],
  // Signature=… and X-Amz-Signature=… (headers and presigned query strings).
  [/(Signature=)(?!\[REDACTED\]|\$)[^\s"'\\&,;]+/gi, `$1${REDACTED}`],
  // X-Amz-Credential=… of a presigned query string: the access key id and its scope.
  [/(X-Amz-Credential=)(?!\[REDACTED\]|\$)[^\s"'\\&,;]+/gi, `$1${REDACTED}`],
  // Session tokens, signatures and secret keys named in text: header lines, query parameters,
  // JSON inside a string, `aws_secret_access_key = …` of a credentials file.
  [
    /(\b(?:x-amz-security-token|x-amz-signature|secretAccessKey|sessionToken|aws_secret_access_key|aws_session_token)\\?["']?\s*[:=]\s*\\?["']?)(?!\[REDACTED\]|\$)[^\s"'\\&,;]+/gi,
    `$1${REDACTED}`,
  ],
];

/** Shorter "secrets" are not credentials, and replacing them would mangle the report. */
const MIN_SECRET_LENGTH = 4;

export function secretForms(secrets: readonly string[]): string[] {
  const forms = secrets
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
  // Longest first, so a secret that contains another is replaced whole.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

function scrub(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export function redactText(text: string, secrets: readonly string[] = []): string {
  return scrub(text, secretForms(secrets));
}

function redactValue(value: unknown, forms: readonly string[]): unknown {
  if (typeof value === 'string') return scrub(value, forms);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, forms));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [scrub(key, forms), SECRET_KEYS.test(key) && v !== null && v !== '' ? REDACTED : redactValue(v, forms)]),
    );
  }
  return value;
}

/** A copy of the report with credentials removed; the input is not changed. */
export function redactReport(report: Report, secrets: readonly string[] = []): Report {
  return redactValue(report, secretForms(secrets)) as Report;
}

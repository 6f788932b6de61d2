// Ready-to-run shell text for recorded requests: a curl line for one request, a sh script for
// every request of a counterexample, and the quoting both use. curl signs with --aws-sigv4.
// Only the built-in test credentials (public, never valid on AWS) appear inline; any other
// credentials, and the control token, stay in the environment variables, so the text never
// holds a secret.
import { CONTROL_TOKEN_ENV } from '../core/description.js';
import type { Exchange } from './types.js';
import { SIGNING_NAME, TARGET_PREFIX } from '../core/wire.js';

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One shell word: as it is when it needs no quoting, else single-quoted. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : quote(value);
}

/** A flag and its value as arguments; a value starting with "-" is attached (`--seed=-5`), which node's parseArgs requires. */
export function flagArgs(flag: string, value: string): string[] {
  return value.startsWith('-') ? [`${flag}=${value}`] : [flag, value];
}

/** Words joined into one shell command line, each quoted as needed. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/**
 * How a curl line signs: with the built-in test credentials written inline (they are public);
 * with the user's credentials from environment variables (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, unless a declared caller names others); or
 * from a profile of the shared AWS files, read with `aws configure get` when the line runs.
 */
export type CurlCredentials =
  | { kind: 'inline'; accessKeyId: string; secretAccessKey: string }
  | { kind: 'variables'; accessKeyIdVariable?: string; secretAccessKeyVariable?: string; sessionTokenVariable?: string }
  | { kind: 'profile'; profile: string };

/** The shell text (for inside double quotes) of the access key id, the secret and the session token of `credentials`. */
function signingParts(credentials: CurlCredentials): { key: string; secret: string; token: string } {
  if (credentials.kind === 'profile') {
    const get = (name: string) => `$(aws configure get ${name} --profile ${shellWord(credentials.profile)})`;
    return { key: get('aws_access_key_id'), secret: get('aws_secret_access_key'), token: get('aws_session_token') };
  }
  if (credentials.kind === 'inline') return { key: credentials.accessKeyId, secret: credentials.secretAccessKey, token: '' };
  return {
    key: `$${credentials.accessKeyIdVariable ?? 'AWS_ACCESS_KEY_ID'}`,
    secret: `$${credentials.secretAccessKeyVariable ?? 'AWS_SECRET_ACCESS_KEY'}`,
    token: `$${credentials.sessionTokenVariable ?? 'AWS_SESSION_TOKEN'}`,
  };
}

const SKIPPED_HEADERS = new Set(['authorization', 'x-amz-date', 'x-amz-security-token', 'host', 'content-length', 'connection', 'x-amz-content-sha256']);

/** The curl words of one request; `user` is the --user word, already quoted for the shell, and `sessionToken` the shell text of the token, if the request carried one. */
function curlWords(request: Exchange['request'], region: string, user: string, sessionToken: string): string[] {
  const parts = ['curl', '-sS', '-i', '-X', shellWord(request.method), quote(request.url)];
  for (const [name, value] of Object.entries(request.headers)) {
    if (!SKIPPED_HEADERS.has(name)) parts.push('-H', quote(`${name}: ${value}`));
  }
  if ('authorization' in request.headers) {
    parts.push('--aws-sigv4', quote(`aws:amz:${region}:${SIGNING_NAME}`), '--user', user);
    if (sessionToken !== '' && 'x-amz-security-token' in request.headers) parts.push('-H', `"X-Amz-Security-Token: ${sessionToken}"`);
  }
  parts.push('--data-binary', quote(request.body));
  return parts;
}

export function curlLine(request: Exchange['request'], region: string, credentials: CurlCredentials): string {
  const { key, secret, token } = signingParts(credentials);
  const user = credentials.kind === 'inline' ? quote(`${key}:${secret}`) : `"${key}:${secret}"`;
  return curlWords(request, region, user, token).join(' ');
}

export interface ScriptOptions {
  /** What the script reproduces, for its first comment line. */
  title: string;
  region: string;
  credentials: CurlCredentials;
  /** The access key id the run signed as: wherever it appears (control calls name it), the script's caller goes instead. */
  caller: string;
  /** The target keeps a ledger per access key id: the script signs as a new one, so every run starts from an empty ledger. */
  freshCaller: boolean;
}

/** At most this many requests in a script. */
const SCRIPT_MAX_REQUESTS = 200;

/** Every attempt of `exchanges`, in order: retried attempts before the one that answered. */
export function allAttempts(exchanges: readonly Exchange[]): { exchange: Exchange; retried: boolean }[] {
  return exchanges.flatMap((exchange) => [...(exchange.earlierAttempts ?? []).map((e) => ({ exchange: e, retried: true })), { exchange, retried: false }]);
}

/** A text in single quotes, with every occurrence of `key` replaced by "$KEY". */
function quoteWithKey(text: string, key: string): string {
  return key === '' ? quote(text) : text.split(key).map(quote).join('"$KEY"');
}

/**
 * A POSIX sh script that sends the requests of `exchanges` one at a time, in order: control
 * calls (the caller's clock) as plain curl, service calls signed by curl. Each attempt the
 * harness made is sent, retried ones included, so a stateful defect shows as it did in the run.
 */
export function curlScript(exchanges: readonly Exchange[], options: ScriptOptions): string {
  const attempts = allAttempts(exchanges);
  const shown = attempts.slice(0, SCRIPT_MAX_REQUESTS);
  const { credentials } = options;
  const lines = ['#!/bin/sh', `# ${options.title}`, `# ${shown.length} request${shown.length === 1 ? '' : 's'}, one at a time, in the order the run sent them.`];
  if (shown.length < attempts.length) lines.push(`# (the first ${SCRIPT_MAX_REQUESTS} of ${attempts.length})`);
  if (attempts.some((a) => a.exchange.control === 'clock')) {
    lines.push("# The clock call sets this caller's clock to the instant of the run; requests are signed with the local clock,", '# which the target accepts within 5 minutes of the caller\'s clock: run it soon after the run.');
  }
  if (attempts.some((a) => a.exchange.control !== undefined && 'authorization' in a.exchange.request.headers)) {
    lines.push(`# Control calls send the target's control token (serve --control-token T): set ${CONTROL_TOKEN_ENV}=T first.`);
  }
  lines.push('set -u');
  const parts = signingParts(credentials);
  if (options.freshCaller) {
    lines.push('# A new caller (access key id) per run of the script: it starts from an empty ledger.', `KEY="MCRP$(od -An -N8 -tx1 /dev/urandom | tr -dc '0-9a-f' | tr 'a-f' 'A-F')"`);
  } else {
    lines.push(credentials.kind === 'inline' ? `KEY=${quote(parts.key)}` : `KEY="${parts.key}"`);
  }
  lines.push(
    credentials.kind === 'inline' ? `SECRET=${quote(parts.secret)} # the built-in test credentials: public, never valid on AWS` : `SECRET="${parts.secret}"`,
    'echo "caller: $KEY"',
  );
  shown.forEach(({ exchange, retried }, i) => {
    const request = exchange.request;
    const target = request.headers['x-amz-target'];
    const label =
      exchange.control !== undefined
        ? `control: ${exchange.control}`
        : target !== undefined
          ? target.replace(`${TARGET_PREFIX}.`, '')
          : `${request.method} ${request.url}`;
    const answered = exchange.response !== undefined ? `HTTP ${exchange.response.status}` : (exchange.error ?? 'no answer');
    lines.push('', `echo ${quote(`### ${i + 1}/${shown.length} ${label}${retried ? ` (the run got ${answered} and retried)` : ''}`)}`);
    if (exchange.control !== undefined) {
      const parts = ['curl', '-sS', '-i', '-X', shellWord(request.method), quoteWithKey(request.url, options.caller)];
      for (const [name, value] of Object.entries(request.headers)) {
        // The control token: read from the environment when the script runs, never written into it.
        parts.push('-H', name === 'authorization' ? `"Authorization: Bearer $${CONTROL_TOKEN_ENV}"` : quote(`${name}: ${value}`));
      }
      if (request.body !== '') parts.push('--data-binary', quoteWithKey(request.body, options.caller));
      lines.push(parts.join(' '));
    } else {
      lines.push(curlWords(request, exchange.signedRegion ?? options.region, '"$KEY:$SECRET"', options.freshCaller ? '' : parts.token).join(' '));
    }
    lines.push('echo');
  });
  return `${lines.join('\n')}\n`;
}

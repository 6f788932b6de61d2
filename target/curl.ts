// A ready-to-run curl line for a recorded request. Credentials stay in environment
// variables (curl signs with --aws-sigv4), so the line itself never holds a secret.
import type { Exchange } from './types.js';
import { SIGNING_NAME } from './wire.js';

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const SKIPPED_HEADERS = new Set(['authorization', 'x-amz-date', 'x-amz-security-token', 'host', 'content-length', 'connection', 'x-amz-content-sha256']);

export function curlLine(request: Exchange['request'], region: string): string {
  const parts = ['curl', '-sS', '-i', '-X', request.method, quote(request.url)];
  for (const [name, value] of Object.entries(request.headers)) {
    if (!SKIPPED_HEADERS.has(name)) parts.push('-H', quote(`${name}: ${value}`));
  }
  const signed = 'authorization' in request.headers;
  if (signed) {
    parts.push('--aws-sigv4', quote(`aws:amz:${region}:${SIGNING_NAME}`), '--user', '"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"');
    if ('x-amz-security-token' in request.headers) parts.push('-H', '"X-Amz-Security-Token: $AWS_SESSION_TOKEN"');
  }
  parts.push('--data-binary', quote(request.body));
  return parts.join(' ');
}

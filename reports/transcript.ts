// The transcript of a counterexample: every exchange it made, in order, bounded in size, for
// report.json, report.html and HAR files. Credentials are already redacted by the drivers
// (and again by reports/redact.ts when the report is written).
import { allAttempts } from '../target/curl.js';
import type { Exchange } from '../target/types.js';
import { TARGET_PREFIX } from '../core/wire.js';
import type { TranscriptEntry, TranscriptMessage } from './types.js';

/** Longer bodies are cut, with the number of characters left out. */
export const TRANSCRIPT_BODY_LIMIT = 4096;
/** A counterexample keeps its last this many exchanges (the failure is at the end). */
export const TRANSCRIPT_MAX_ENTRIES = 100;

function message(headers: Record<string, string>, body: string): TranscriptMessage {
  if (body.length <= TRANSCRIPT_BODY_LIMIT) return { headers: { ...headers }, body };
  return { headers: { ...headers }, body: body.slice(0, TRANSCRIPT_BODY_LIMIT), bodyOmitted: body.length - TRANSCRIPT_BODY_LIMIT };
}

/** What an exchange was: the operation, a control call, else its method and path. */
function exchangeLabel(exchange: Exchange): string {
  if (exchange.control !== undefined) return `control: ${exchange.control}`;
  const target = exchange.request.headers['x-amz-target'];
  if (target !== undefined) return target.startsWith(`${TARGET_PREFIX}.`) ? target.slice(TARGET_PREFIX.length + 1) : `X-Amz-Target: ${target}`;
  let path = exchange.request.url;
  try {
    path = new URL(exchange.request.url).pathname;
  } catch {
    // not a URL: shown as recorded
  }
  return `${exchange.request.method} ${path}`;
}

function entryOf(exchange: Exchange, retried: boolean): TranscriptEntry {
  const { request, response } = exchange;
  return {
    label: exchangeLabel(exchange),
    attempt: exchange.attempt ?? 1,
    ...(retried ? { retried: true } : {}),
    ...(exchange.retries ? { retries: exchange.retries } : {}),
    ...(exchange.startedAtMs !== undefined ? { startedAt: new Date(exchange.startedAtMs).toISOString() } : {}),
    ...(exchange.durationMs !== undefined ? { durationMs: exchange.durationMs } : {}),
    request: { method: request.method, url: request.url, ...message(request.headers, request.body) },
    ...(response !== undefined ? { response: { status: response.status, ...message(response.headers, response.body) } } : {}),
    ...(exchange.error !== undefined ? { error: exchange.error } : {}),
  };
}

/** Every attempt of `exchanges` as transcript entries; `omitted` counts the earliest ones left out. */
export function transcriptOf(exchanges: readonly Exchange[]): { transcript: TranscriptEntry[]; omitted: number } {
  const all = allAttempts(exchanges);
  const kept = all.slice(-TRANSCRIPT_MAX_ENTRIES);
  return { transcript: kept.map(({ exchange, retried }) => entryOf(exchange, retried)), omitted: all.length - kept.length };
}

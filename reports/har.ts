// The transcripts of a report's failures as a HAR 1.2 file (`run --har FILE`): one page per
// rule with a transcript, one entry per exchange, in order. Browsers' developer tools and HAR
// viewers open it. Built from the redacted report, so it holds no credentials either.
// Format: http://www.softwareishard.com/blog/har-12-spec/
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Report, RuleResult, TranscriptEntry } from './types.js';

interface HarHeader {
  name: string;
  value: string;
}

function headerList(headers: Record<string, string>): HarHeader[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}

function queryOf(url: string): HarHeader[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function mimeOf(headers: Record<string, string>, fallback: string): string {
  return headers['content-type'] ?? fallback;
}

function harEntry(entry: TranscriptEntry, pageref: string, fallbackStart: string, comment: string): Record<string, unknown> {
  const { request, response } = entry;
  const time = entry.durationMs ?? 0;
  const notes = [
    comment,
    entry.label,
    `attempt ${entry.attempt}${entry.retried ? ' (transient answer, retried)' : ''}`,
    entry.retries ? `after ${entry.retries} retried answers` : '',
    request.bodyOmitted ? `request body: ${request.bodyOmitted} characters not kept` : '',
    response?.bodyOmitted ? `response body: ${response.bodyOmitted} characters not kept` : '',
  ].filter((n) => n !== '');
  return {
    pageref,
    startedDateTime: entry.startedAt ?? fallbackStart,
    time,
    request: {
      method: request.method,
      url: request.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(request.headers),
      queryString: queryOf(request.url),
      ...(request.body !== '' || request.method === 'POST' ? { postData: { mimeType: mimeOf(request.headers, 'application/octet-stream'), text: request.body } } : {}),
      headersSize: -1,
      bodySize: Buffer.byteLength(request.body, 'utf8') + (request.bodyOmitted ?? 0),
    },
    response: {
      status: response?.status ?? 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(response?.headers ?? {}),
      content: {
        size: response !== undefined ? Buffer.byteLength(response.body, 'utf8') + (response.bodyOmitted ?? 0) : 0,
        mimeType: mimeOf(response?.headers ?? {}, 'application/octet-stream'),
        text: response?.body ?? '',
      },
      redirectURL: '',
      headersSize: -1,
      bodySize: response !== undefined ? Buffer.byteLength(response.body, 'utf8') + (response.bodyOmitted ?? 0) : -1,
      ...(response === undefined && entry.error !== undefined ? { _error: entry.error } : {}),
    },
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
    comment: notes.join('; '),
  };
}

/** The runs of a rule's counterexample with their transcripts: both runs of a flaky one, else the one. */
function runsOf(rule: RuleResult): { comment: string; transcript: TranscriptEntry[] }[] {
  const failure = rule.failure;
  if (failure === undefined) return [];
  if (failure.attempts !== undefined) {
    return failure.attempts.map((a, i) => ({ comment: `run ${i + 1} of ${failure.attempts!.length} of the counterexample (${a.outcome})`, transcript: a.transcript }));
  }
  return failure.transcript !== undefined ? [{ comment: 'counterexample', transcript: failure.transcript }] : [];
}

export function renderHar(report: Report): Record<string, unknown> {
  const pages: Record<string, unknown>[] = [];
  const entries: Record<string, unknown>[] = [];
  for (const rule of report.rules) {
    const runs = runsOf(rule).filter((r) => r.transcript.length > 0);
    if (runs.length === 0) continue;
    const first = runs[0]!.transcript[0]!;
    pages.push({
      startedDateTime: first.startedAt ?? report.run.startedAt,
      id: rule.id,
      title: `${rule.id} (${rule.verdict}): ${rule.statement}`,
      pageTimings: { onContentLoad: -1, onLoad: -1 },
    });
    for (const run of runs) for (const entry of run.transcript) entries.push(harEntry(entry, rule.id, report.run.startedAt, run.comment));
  }
  return {
    log: {
      version: '1.2',
      creator: { name: report.run.tool.name, version: report.run.tool.version },
      pages,
      entries,
      comment: `${report.run.tool.name} run against ${report.run.target}, seed ${report.run.seed}: the exchanges of each failed or errored rule's minimal counterexample`,
    },
  };
}

/** Writes the HAR file (its folder is created) and returns the number of entries. */
export async function writeHar(report: Report, file: string): Promise<number> {
  const har = renderHar(report);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(har, null, 2)}\n`, 'utf8');
  return (har.log as { entries: unknown[] }).entries.length;
}

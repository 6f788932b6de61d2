// The clock request a target describes in target.yaml (capabilities.clockControl) for its own
// control plane: placeholders mark where the instant goes, filled in at each setting.
import type { DescribedRequest } from '../core/description.js';

/** Where a clock request target.yaml describes puts the instant it sets (see describedClockAt). */
export const CLOCK_PLACEHOLDERS = ['{{epochSeconds}}', '{{epochMillis}}', '{{iso}}'] as const;

/**
 * The clock request `request` with the instant `epochMs` in place of each placeholder, in the
 * path and in the strings of the body: whole seconds, milliseconds or an ISO 8601 time. A body
 * string that is only {{epochSeconds}} or {{epochMillis}} becomes the number.
 */
export function describedClockAt(request: DescribedRequest, epochMs: number): DescribedRequest {
  const values: Record<(typeof CLOCK_PLACEHOLDERS)[number], string> = {
    '{{epochSeconds}}': String(Math.floor(epochMs / 1000)),
    '{{epochMillis}}': String(Math.floor(epochMs)),
    '{{iso}}': new Date(epochMs).toISOString(),
  };
  const fill = (text: string) => CLOCK_PLACEHOLDERS.reduce((t, p) => t.split(p).join(values[p]), text);
  const fillValue = (value: unknown): unknown => {
    if (value === '{{epochSeconds}}' || value === '{{epochMillis}}') return Number(values[value]);
    if (typeof value === 'string') return fill(value);
    if (Array.isArray(value)) return value.map(fillValue);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillValue(v)]));
    return value;
  };
  const body = request.body === undefined ? {} : { body: typeof request.body === 'string' ? fill(request.body) : (fillValue(request.body) as Record<string, unknown>) };
  return { ...request, path: fill(request.path), ...body };
}

/** Whether a described clock request says where the instant goes: a placeholder in its path or body. */
export function namesAnInstant(request: DescribedRequest): boolean {
  const text = `${request.path} ${typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? '')}`;
  return CLOCK_PLACEHOLDERS.some((p) => text.includes(p));
}

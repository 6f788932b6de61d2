// target/clock-request.ts: a clock request target.yaml describes, filled in with the instant it sets.
import { describe, expect, test } from 'vitest';
import { describedClockAt, namesAnInstant } from '../target/clock-request.js';

const AT = Date.parse('2026-12-07T13:20:05.250Z');

describe('describedClockAt', () => {
  test('fills the path and the strings of the body; a string that is only seconds or milliseconds becomes the number', () => {
    const request = {
      method: 'POST' as const,
      path: '/clock/{{epochSeconds}}?ms={{epochMillis}}',
      body: { now: '{{iso}}', seconds: '{{epochSeconds}}', millis: '{{epochMillis}}', label: 'at {{epochSeconds}}', nested: [{ when: '{{iso}}' }], keep: 3 },
      headers: { 'x-key': 'v' },
    };
    expect(describedClockAt(request, AT)).toEqual({
      method: 'POST',
      path: '/clock/1796649605?ms=1796649605250',
      body: { now: '2026-12-07T13:20:05.250Z', seconds: 1796649605, millis: 1796649605250, label: 'at 1796649605', nested: [{ when: '2026-12-07T13:20:05.250Z' }], keep: 3 },
      headers: { 'x-key': 'v' },
    });
    // The description itself is left as it was: the next setting fills it again.
    expect(request.body.now).toBe('{{iso}}');
  });

  test('a string body is filled as text; no body stays none', () => {
    expect(describedClockAt({ method: 'PUT', path: '/c', body: 'time={{iso}}' }, AT).body).toBe('time=2026-12-07T13:20:05.250Z');
    expect(describedClockAt({ method: 'POST', path: '/c/{{epochSeconds}}' }, AT)).toEqual({ method: 'POST', path: '/c/1796649605' });
  });
});

describe('namesAnInstant', () => {
  test('is true with a placeholder in the path or the body, false without', () => {
    expect(namesAnInstant({ method: 'POST', path: '/c/{{epochMillis}}' })).toBe(true);
    expect(namesAnInstant({ method: 'POST', path: '/c', body: { a: { b: '{{iso}}' } } })).toBe(true);
    expect(namesAnInstant({ method: 'POST', path: '/c', body: 'now={{epochSeconds}}' })).toBe(true);
    expect(namesAnInstant({ method: 'POST', path: '/c', body: { now: '{{time}}' } })).toBe(false);
    expect(namesAnInstant({ method: 'POST', path: '/c' })).toBe(false);
  });
});

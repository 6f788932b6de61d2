// Calendar facts in UTC, the time of the service's records: time units, and the starts of the
// hour and of the month an instant falls in. Generators, suites and tests take them from here.
// (The reference emulator keeps its own reckoning on purpose, emulator/batch-meter-usage.ts, so
// that one shared mistake cannot make the emulator and the suite's judgement agree.)

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The start (epoch ms) of the UTC hour of `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** The starts (epoch ms) of every UTC hour that overlaps [from, to]. */
export function hourStartsBetween(from: number, to: number): number[] {
  const hours: number[] = [];
  for (let h = hourStart(from); h <= to; h += HOUR_MS) hours.push(h);
  return hours;
}

/** The start (epoch ms) of the UTC month of `ms`: 00:00 on its 1st. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start (epoch ms) of the UTC month after the month of `ms`. */
export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

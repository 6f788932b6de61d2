// Instants in a range of epoch milliseconds, drawn as SDKs send them (whole seconds mostly) and
// shrinking to whole seconds nearest one end of the range.
import fc from 'fast-check';
import { SECOND_MS } from '../core/calendar.js';
import { shrinkingBy } from './arbitraries.js';
import { drawInteger, drawnBy } from './draws.js';

/**
 * Shrinks an instant in [from, to] towards the end `toward`: to a whole second first, then
 * whole seconds nearer that end; milliseconds only when the range holds no whole second.
 */
function shrinkInstant(from: number, to: number, toward: 'from' | 'to'): (t: number) => fc.Stream<number> {
  const wholeFrom = Math.ceil(from / SECOND_MS);
  const wholeTo = Math.floor(to / SECOND_MS);
  const sign = toward === 'from' ? 1 : -1;
  if (wholeFrom > wholeTo) {
    const ms = fc.integer({ min: 0, max: to - from });
    const anchorMs = toward === 'from' ? from : to;
    return (t) => ms.shrink(Math.abs(t - anchorMs), undefined).map((d) => anchorMs + sign * d.value);
  }
  const anchor = toward === 'from' ? wholeFrom : wholeTo;
  const seconds = fc.integer({ min: 0, max: wholeTo - wholeFrom });
  return (t) => {
    // The whole second of t on the side of the anchor (still inside the range).
    const second = Math.min(wholeTo, Math.max(wholeFrom, toward === 'from' ? Math.floor(t / SECOND_MS) : Math.ceil(t / SECOND_MS)));
    const nearer = seconds.shrink(Math.abs(second - anchor), undefined).map((d) => (anchor + sign * d.value) * SECOND_MS);
    return second * SECOND_MS === t ? nearer : fc.Stream.of(second * SECOND_MS).join(nearer);
  };
}

export interface InstantOptions {
  /**
   * The end of the range the instants shrink towards (default `from`: the oldest instant; `to`
   * for a window boundary approached from the far side).
   */
  toward?: 'from' | 'to';
}

/**
 * Instants in [from, to] (epoch ms): whole seconds mostly (what SDKs usually send), milliseconds
 * sometimes. They shrink to whole seconds, down to the one nearest `options.toward`.
 */
export function instantBetween(from: number, to: number, { toward = 'from' }: InstantOptions = {}): fc.Arbitrary<Date> {
  const wholeFrom = Math.ceil(from / SECOND_MS);
  const wholeTo = Math.floor(to / SECOND_MS);
  // As `drawn` below draws: whole seconds three times in four when the range holds one.
  const draw = (mrng: fc.Random, bias: number | undefined): Date =>
    new Date(wholeFrom > wholeTo || mrng.nextInt(0, 3) === 3 ? drawInteger(mrng, from, to, bias) : drawInteger(mrng, wholeFrom, wholeTo, bias) * SECOND_MS);
  return drawnBy(draw, () => {
    const ms = fc.integer({ min: from, max: to });
    const drawn = wholeFrom > wholeTo ? ms : fc.oneof({ weight: 3, arbitrary: fc.integer({ min: wholeFrom, max: wholeTo }).map((s) => s * SECOND_MS) }, { weight: 1, arbitrary: ms });
    const instants = shrinkingBy(drawn, (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= from && v <= to, shrinkInstant(from, to, toward));
    return instants.map(
      (t) => new Date(t),
      (d) => {
        if (!(d instanceof Date)) throw new Error('not a Date');
        return d.getTime();
      },
    );
  });
}

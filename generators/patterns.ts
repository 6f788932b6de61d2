// The model's `pattern` and `length` traits read the way Smithy defines them
// (https://smithy.io/2.0/spec/constraint-traits.html): a pattern is an ECMA-262 regular
// expression that is NOT implicitly anchored, and a length counts Unicode scalar values.
import { ModelError } from '../core/model.js';

const compiled = new Map<string, RegExp>();

/** The pattern compiled as ajv compiles it (`u` flag), cached. A pattern that does not compile is a ModelError. */
export function modelRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch (error) {
      throw new ModelError(`pattern ${pattern} is not an ECMA-262 regular expression: ${(error as Error).message}`);
    }
    compiled.set(pattern, re);
  }
  return re;
}

export function matchesPattern(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || modelRegExp(pattern).test(value);
}

/** Length as Smithy counts it: code points, so an astral character is one. */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/**
 * A pattern that is one character class repeated (`^[-a-z]*$`, `[\s\S]+`, `\S+`). Most of the
 * model's patterns have this form; for them a string of any wanted length can be built
 * character by character instead of hoping a regex-driven generator reaches the length bounds.
 */
export interface RepeatedClass {
  /** The class as regex source, e.g. `[a-zA-Z0-9+ -=._:\/@]` or `\S`. */
  charClass: string;
  /** `+` rather than `*`: the matched run needs at least one character. */
  atLeastOne: boolean;
  anchoredStart: boolean;
  anchoredEnd: boolean;
}

const REPEATED_CLASS = /^(\^?)(\[(?:\\.|[^\]\\])*\]|\\[sSdDwW]|\.)([*+])(\$?)$/;

export function repeatedClass(pattern: string): RepeatedClass | undefined {
  const m = REPEATED_CLASS.exec(pattern);
  if (!m) return undefined;
  return { charClass: m[2], atLeastOne: m[3] === '+', anchoredStart: m[1] === '^', anchoredEnd: m[4] === '$' };
}

/** Characters outside ASCII used to ask whether a class admits non-ASCII text. */
const NON_ASCII_PROBES = ['\u00e9', '\u00a0', '\u3000', '\u{1F600}', '\u2028'];

export interface ClassMembers {
  /** Every ASCII character (U+0000..U+007F) the class admits, in code point order. */
  ascii: string[];
  /** The class admits at least one of the non-ASCII probe characters. */
  nonAscii: boolean;
}

const membersCache = new Map<string, ClassMembers>();

/** Which characters a single character class admits, computed by the regex engine itself. */
export function classMembers(charClass: string): ClassMembers {
  let members = membersCache.get(charClass);
  if (!members) {
    const re = modelRegExp(`^${charClass}$`);
    const ascii: string[] = [];
    for (let c = 0; c < 0x80; c++) if (re.test(String.fromCharCode(c))) ascii.push(String.fromCharCode(c));
    members = { ascii, nonAscii: NON_ASCII_PROBES.some((c) => re.test(c)) };
    membersCache.set(charClass, members);
  }
  return members;
}

/** Every pattern of a model, with the shapes that carry it. */
export function patternsOf(shapes: Record<string, { type: string; pattern?: string }>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [name, shape] of Object.entries(shapes)) {
    if (shape.type === 'string' && shape.pattern !== undefined) found.set(shape.pattern, [...(found.get(shape.pattern) ?? []), name]);
  }
  return found;
}

// Tags of usage allocations: the characters the model's TagKey pattern admits and those at its
// edge, tag lists with distinct keys, and the "unique set of tags" reading.
import fc from 'fast-check';
import { ModelError, shapeOf, type ServiceModel } from '../core/model.js';
import { inShrinkOrder, integerShrinking } from './arbitraries.js';
import type { Tag } from './inputs.js';
import { modelLimits, once, requireShape } from './limits.js';
import { classMembers, repeatedClass } from './patterns.js';

export interface TagCharacters {
  /** Every character the tag pattern admits (ASCII; the pattern admits no other). */
  allowed: string[];
  /** Admitted characters next (in code point order) to a rejected one: ` `, `=`, `@`, `Z`, `_`, ... */
  edgeAllowed: string[];
  /** Rejected characters next to an admitted one (`>`, `?`, `[`, ...), plus backslash, tab, newline and a non-ASCII letter. */
  edgeRejected: string[];
}

/** Tag characters as the model's TagKey pattern defines them (` -=` is the range U+0020..U+003D). */
export function tagCharacters(model: ServiceModel): TagCharacters {
  return once(model, 'tagCharacters', () => readTagCharacters(model));
}

function readTagCharacters(model: ServiceModel): TagCharacters {
  requireShape(model, 'TagKey', 'tag characters');
  const pattern = (shapeOf(model, 'TagKey') as { pattern?: string }).pattern;
  const repeated = pattern === undefined ? undefined : repeatedClass(pattern);
  if (!repeated) throw new ModelError(`model ${model.version}: TagKey pattern ${pattern} is not a repeated character class`);
  const allowed = classMembers(repeated.charClass).ascii;
  const admits = new Set(allowed);
  const at = (code: number) => String.fromCharCode(code);
  const edgeAllowed = allowed.filter((c) => !admits.has(at(c.charCodeAt(0) - 1)) || !admits.has(at(c.charCodeAt(0) + 1)));
  const neighbours = new Set<string>();
  for (const c of allowed) for (const d of [-1, 1]) neighbours.add(at(c.charCodeAt(0) + d));
  // Backslash: the Seller Guide's character list reads as if `\` were allowed.
  const edgeRejected = [...neighbours, '\\', '\t', '\n', '\u00e9'].filter((c) => !admits.has(c));
  return { allowed, edgeAllowed, edgeRejected: [...new Set(edgeRejected)] };
}

/** The MeterUsage/BatchMeterUsage reading of "a unique set of tags": keys and values, order ignored. */
export function tagSetKey(tags: Tag[] | undefined): string {
  return JSON.stringify([...(tags ?? [])].map((t) => [t.Key, t.Value]).sort());
}

/** Lengths of tag texts: 1..12 mostly, exactly the maximum one time in five; they shrink to 1. */
function tagTextLength(maxLength: number): fc.Arbitrary<number> {
  const shortest = Math.min(maxLength, 12);
  if (shortest === maxLength) return fc.integer({ min: 1, max: maxLength });
  return integerShrinking(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: shortest }) }, { weight: 1, arbitrary: fc.constant(maxLength) }), 1, maxLength);
}

/**
 * Tag text: a short text repeated to the drawn length, so that exactly the maximum length
 * (the boundary under test) costs no more than a short text: drawing 256 characters one by one
 * made most of a batch's generation time. Length and text shrink separately, down to one
 * character (the first in shrink order), whatever the text was drawn as.
 */
function tagText(chars: string[], maxLength: number): fc.Arbitrary<string> {
  const unit = fc.string({ unit: fc.constantFrom(...inShrinkOrder(chars)), minLength: 1, maxLength: Math.min(maxLength, 12) });
  return fc.tuple(tagTextLength(maxLength), unit).map(([length, text]) => text.repeat(Math.ceil(length / text.length)).slice(0, length));
}

/**
 * Tags with distinct keys: a key already taken gets its last character replaced by the first
 * free one of `chars` in shrink order. Distinct by construction rather than by fc.uniqueArray,
 * whose shrinker must skip every key that collides: there 6 tags stopped at keys like `aa` and
 * `ll`, since `a` and `l` were taken; here they shrink to `a` … `f`.
 */
function distinctKeys(tags: Tag[], chars: string[]): Tag[] {
  const taken = new Set<string>();
  return tags.map((tag) => {
    let key = tag.Key;
    if (taken.has(key)) {
      const head = [...key].slice(0, -1).join('');
      const free = chars.map((c) => head + c).find((k) => !taken.has(k));
      if (free === undefined) throw new ModelError(`no free tag key of length ${[...key].length} after ${taken.size} keys`);
      key = free;
    }
    taken.add(key);
    return key === tag.Key ? tag : { ...tag, Key: key };
  });
}

/** `min`..`max` tags with distinct keys, characters from `chars`. */
function distinctTags(model: ServiceModel, min: number, max: number, chars: string[]): fc.Arbitrary<Tag[]> {
  const order = inShrinkOrder(chars);
  return fc.array(tagOf(model, chars), { minLength: min, maxLength: max }).map((tags) => distinctKeys(tags, order));
}

export interface TagListOptions {
  /** Fewest tags (default 1). */
  minTags?: number;
  /** Most tags (default the model's TagList max, 5 when the model states none). */
  maxTags?: number;
  /** Characters of keys and values (default every character the TagKey pattern admits, tagCharacters().allowed). */
  chars?: string[];
}

/** Tag lists with distinct keys; key and value lengths up to the model's, shrinking to one character. */
export function tagList(model: ServiceModel, options: TagListOptions = {}): fc.Arbitrary<Tag[]> {
  const { minTags: min = 1, maxTags: max, chars } = options;
  const limits = modelLimits(model);
  return once(model, `tagList ${min} ${max} ${chars?.join('')}`, () => distinctTags(model, min, max ?? limits.tags ?? 5, chars ?? tagCharacters(model).allowed));
}

/** One tag of characters from `chars`, key and value up to the model's lengths. */
export function tagOf(model: ServiceModel, chars: string[]): fc.Arbitrary<Tag> {
  const limits = modelLimits(model);
  return once(model, `tag ${chars.join('')}`, () =>
    fc.record({ Key: tagText(chars, limits.tagKeyLength), Value: tagText(chars, limits.tagValueLength) }, { noNullPrototype: true }),
  );
}


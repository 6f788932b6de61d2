// Tags of usage allocations: the characters the model's TagKey pattern admits and those at its
// edge, tag lists with distinct keys, and the "unique set of tags" reading.
import fc from 'fast-check';
import { ModelError, shapeOf, type ServiceModel } from '../core/model.js';
import { inShrinkOrder, integerShrinking } from './arbitraries.js';
import { alphabet, drawCharacters, drawInteger, drawLength, drawnBy, drawString, type Alphabet } from './draws.js';
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

/** Tag texts are a text of at most this many characters repeated to the drawn length. */
const UNIT_MAX = 12;

/** Lengths of tag texts: 1..12 mostly, exactly the maximum one time in five; they shrink to 1. */
function tagTextLength(maxLength: number): fc.Arbitrary<number> {
  const shortest = Math.min(maxLength, UNIT_MAX);
  if (shortest === maxLength) return fc.integer({ min: 1, max: maxLength });
  return integerShrinking(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: shortest }) }, { weight: 1, arbitrary: fc.constant(maxLength) }), 1, maxLength);
}

/** `text` repeated to `length` characters; left unflattened (a slice of a repeat would copy the whole text: serializing flattens it once anyway). */
function repeatTo(text: string, length: number): string {
  if (text.length >= length) return text.length === length ? text : text.slice(0, length);
  const times = Math.floor(length / text.length);
  const rest = length - times * text.length;
  return rest === 0 ? text.repeat(times) : text.repeat(times) + text.slice(0, rest);
}

/** The shortest text of at most `unitMax` characters that repeats to `text` (what tagText could have drawn it from). */
export function tagTextUnit(text: string, unitMax: number): string {
  for (let n = 1; n <= Math.min(unitMax, text.length); n++) {
    const unit = text.slice(0, n);
    if (repeatTo(unit, text.length) === text) return unit;
  }
  throw new Error(`${JSON.stringify(text)} is no text of at most ${unitMax} characters repeated`);
}

/** tagText as composed arbitraries: the shrinker of the drawn texts (its unmapper lets it shrink any of them). */
function composedTagText(order: string[], maxLength: number): fc.Arbitrary<string> {
  const unitMax = Math.min(maxLength, UNIT_MAX);
  const unit = fc.string({ unit: fc.constantFrom(...order), minLength: 1, maxLength: unitMax });
  return fc.tuple(tagTextLength(maxLength), unit).map(
    ([length, text]) => repeatTo(text, length),
    (text) => {
      if (typeof text !== 'string' || text.length === 0) throw new Error('not a tag text');
      return [text.length, tagTextUnit(text, unitMax)];
    },
  );
}

/** A tag text drawn as composedTagText draws it (ASCII `chars`: one code unit each). */
function drawTagText(mrng: fc.Random, abc: Alphabet, maxLength: number, biasFactor: number | undefined): string {
  const shortest = Math.min(maxLength, UNIT_MAX);
  if (biasFactor === undefined) {
    // Unbiased, the three choices are uniform: one random number makes them all (length 1..shortest, unit 1..shortest, the maximum one time in five).
    const long = shortest === maxLength ? 1 : 5;
    const r = mrng.nextInt(0, long * shortest * shortest - 1);
    const length = r % long === 4 ? maxLength : 1 + (Math.floor(r / long) % shortest);
    const unit = 1 + Math.floor(r / (long * shortest));
    return repeatTo(drawCharacters(mrng, abc, Math.min(unit, length)), length);
  }
  const length = shortest === maxLength || mrng.nextInt(0, 4) < 4 ? drawInteger(mrng, 1, shortest, biasFactor) : maxLength;
  const unit = drawLength(mrng, 1, shortest, biasFactor);
  // Characters past the length would be cut off: not drawn.
  return repeatTo(drawString(mrng, abc, unit.length, shortest, unit.itemBias, length), length);
}

/**
 * Tag text: a short text repeated to the drawn length, so that exactly the maximum length
 * (the boundary under test) costs no more than a short text: drawing 256 characters one by one
 * made most of a batch's generation time. Length and text shrink separately, down to one
 * character (the first in shrink order), whatever the text was drawn as.
 */
function tagText(chars: string[], maxLength: number): fc.Arbitrary<string> {
  const order = inShrinkOrder(chars);
  const abc = alphabet(chars);
  return drawnBy((mrng, bias) => drawTagText(mrng, abc, maxLength, bias), () => composedTagText(order, maxLength));
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

/** Lists of tags with distinct keys, as they are (the unmapper of distinctKeys, which leaves them so). */
function asDistinct(tags: unknown): Tag[] {
  if (!Array.isArray(tags) || new Set(tags.map((t: Partial<Tag> | null) => t?.Key)).size !== tags.length) throw new Error('not tags with distinct keys');
  return tags as Tag[];
}

/** `min`..`max` tags with distinct keys, characters from `chars`, drawn as fc.array(tagOf(model, chars)) would draw them. */
function distinctTags(model: ServiceModel, min: number, max: number, chars: string[]): fc.Arbitrary<Tag[]> {
  const order = inShrinkOrder(chars);
  const { tagKeyLength, tagValueLength } = modelLimits(model);
  const abc = alphabet(chars);
  const draw = (mrng: fc.Random, biasFactor: number | undefined): Tag[] => {
    const { length, itemBias } = drawLength(mrng, min, max, biasFactor);
    const tags: Tag[] = [];
    let clash = false;
    for (let i = 0; i < length; i++) {
      const tag = { Key: drawTagText(mrng, abc, tagKeyLength, itemBias), Value: drawTagText(mrng, abc, tagValueLength, itemBias) };
      // A handful of keys: comparing them beats hashing them into distinctKeys' Set.
      for (let j = 0; j < i && !clash; j++) clash = tags[j].Key === tag.Key;
      tags.push(tag);
    }
    return clash ? distinctKeys(tags, order) : tags;
  };
  return drawnBy(draw, () => fc.array(tagOf(model, chars), { minLength: min, maxLength: max }).map((tags) => distinctKeys(tags, order), asDistinct));
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


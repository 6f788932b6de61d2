import { test } from 'vitest';
import fc from 'fast-check';
import { loadModel } from '../generators/model.js';
import { duplicateTagSetAllocations, tagSetKey } from '../generators/domain.js';
test('dup', () => {
  const model = loadModel();
  for (const u of [false, true]) {
    const xs = fc.sample(duplicateTagSetAllocations(model, 10, u), 5);
    for (const x of xs) console.log(u, x.length, x.map((a) => tagSetKey(a.Tags).slice(0, 40)));
  }
});

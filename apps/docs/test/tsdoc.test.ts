import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsdocGaps } from './tsdoc.js';

const root = resolve(import.meta.dirname, '../../..');

describe('the TSDoc of every package is complete', () => {
  it('finds a missing @example and a missing @param', () => {
    const gaps = tsdocGaps(join(import.meta.dirname, 'fixtures/incomplete'), 'incomplete');
    expect(gaps.sort()).toEqual(['incomplete Counter.add: no @param by', 'incomplete Counter: no @example', 'incomplete twice: no @param x']);
  });

  for (const name of readdirSync(join(root, 'packages')).sort()) {
    it(`@conc/${name}: an @example on every class and function, an @param for every parameter`, () => {
      expect(tsdocGaps(join(root, 'packages', name), `@conc/${name}`)).toEqual([]);
    });
  }
});

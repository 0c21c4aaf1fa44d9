/**
 * The fuzz targets of fuzz/targets (docs/fuzzing.md), bounded for the test suite: each target's
 * seed corpus, then a few thousand of the inputs the fast-check engine makes (random bytes and
 * mutated seeds), through the same function `npm run fuzz` runs. A finding fails the test with
 * fast-check's shrunk input. The targets read the packages' dist/ builds (`npm test` builds first).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzInputs, readCorpus, TARGETS } from '../../fuzz/inputs.mjs';

/** Inputs per target: the config validator is two orders of magnitude slower than the decoders. */
const RUNS: Record<string, number> = { config: 300 };

describe('fuzz targets, bounded', () => {
  for (const target of TARGETS) {
    it(`${target}: the seed corpus and ${RUNS[target] ?? 3000} random inputs keep the invariants`, async () => {
      const { fuzz } = (await import(`../../fuzz/targets/${target}.mjs`)) as {
        fuzz: (data: Buffer) => void | Promise<void>;
      };
      const seeds = readCorpus(target);
      expect(seeds.length).toBeGreaterThan(0);
      for (const seed of seeds) await fuzz(seed);
      await fc.assert(
        fc.asyncProperty(fuzzInputs(seeds), async (data) => {
          await fuzz(data);
        }),
        { numRuns: RUNS[target] ?? 3000 },
      );
    }, 120_000);
  }
});

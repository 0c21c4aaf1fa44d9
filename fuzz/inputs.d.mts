// Types of inputs.mjs for test/fuzz/fuzz-targets.test.ts, which tsconfig.test.json type-checks.
import type { Arbitrary } from 'fast-check';

/** The fuzz targets, each fuzz/targets/<name>.mjs with its seeds in fuzz/corpus/<name>/. */
export declare const TARGETS: readonly string[];
/** The files of a target's seed corpus. */
export declare function readCorpus(target: string): Buffer[];
/** Random bytes and mutated seeds. */
export declare function fuzzInputs(seeds: readonly Buffer[]): Arbitrary<Buffer>;

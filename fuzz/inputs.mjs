/**
 * The inputs of the fast-check engine (run-fast-check.mjs) and of test/fuzz/fuzz-targets.test.ts:
 * a target's seed corpus, random bytes, and seeds mutated as libFuzzer mutates (bytes flipped,
 * inserted, erased, copied from another seed, runs repeated). Random, not coverage-guided: the
 * coverage-guided engine is Jazzer.js (run.mjs picks it where its native addon loads).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

export const TARGETS = [
  'websocket-frame-reader',
  'rawsocket-framing',
  'wamp-decoders',
  'longpoll-body',
  'config',
  'router-session',
];

const corpusRoot = new URL('corpus/', import.meta.url).pathname;

/** The files of a target's seed corpus, as buffers. */
export function readCorpus(target) {
  const dir = join(corpusRoot, target);
  return readdirSync(dir)
    .sort()
    .map((name) => readFileSync(join(dir, name)));
}

const edit = fc.record({
  op: fc.constantFrom('flip', 'set', 'insert', 'erase', 'splice', 'repeat', 'interesting'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 64 }),
  byte: fc.integer({ min: 0, max: 255 }),
  other: fc.nat(),
});

const INTERESTING = [0x00, 0x01, 0x7e, 0x7f, 0x80, 0xff, 0x7d, 0x88, 0x89, 0x8a, 0x18, 0x1e];

function mutate(seed, edits, seeds) {
  let data = Buffer.from(seed);
  for (const { op, at, length, byte, other } of edits) {
    const i = data.length === 0 ? 0 : at % data.length;
    switch (op) {
      case 'flip':
        if (data.length > 0) data[i] ^= 1 << (byte & 7);
        break;
      case 'set':
        if (data.length > 0) data[i] = byte;
        break;
      case 'interesting':
        if (data.length > 0) data[i] = INTERESTING[byte % INTERESTING.length];
        break;
      case 'insert':
        data = Buffer.concat([data.subarray(0, i), Buffer.alloc(length, byte), data.subarray(i)]);
        break;
      case 'erase':
        data = Buffer.concat([data.subarray(0, i), data.subarray(i + length)]);
        break;
      case 'splice': {
        const from = seeds[other % seeds.length];
        const start = from.length === 0 ? 0 : byte % from.length;
        data = Buffer.concat([data.subarray(0, i), from.subarray(start, start + length * 4), data.subarray(i)]);
        break;
      }
      case 'repeat': {
        const run = data.subarray(i, i + length);
        data = Buffer.concat([data.subarray(0, i), ...Array(1 + (byte % 8)).fill(run), data.subarray(i)]);
        break;
      }
    }
  }
  return data;
}

/** Inputs for a target with these seeds: a third random bytes, the rest mutated seeds. */
export function fuzzInputs(seeds) {
  const random = fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes));
  if (seeds.length === 0) return random;
  const mutated = fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 }))
    .map(([index, edits]) => mutate(seeds[index], edits, seeds));
  return fc.oneof({ arbitrary: random, weight: 1 }, { arbitrary: mutated, weight: 2 });
}

/**
 * The router's counters switched off, for measuring what they cost (issue 14: "counting must not
 * cost the hot path measurably"): packages/router/src/router-stats.ts as the working tree has it,
 * with the bodies of what the hot path calls (`countReceived`, `countSent`, `countEvents`,
 * `countInvocation`, `countResult`, `now`, `BucketCounts.observe`) emptied. Everything else, the calls to them included, stays as it is,
 * so a build with this file differs from the tree in the counting alone.
 * `node bench/lib/router-core-ab.mjs --counting-off` compares the two.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROUTER_STATS = 'packages/router/src/router-stats.ts';

/** Method bodies replaced: each must be found exactly once, or the variant would not be what it says. */
const STUBS = {
  observe: [/( {2}observe\(value: number\): void \{)\n[\s\S]*?\n {2}\}\n/, '$1\n    void value;\n  }\n'],
  now: [/( {2}now\(\): number \{)\n[\s\S]*?\n {2}\}\n/, '$1\n    return 0;\n  }\n'],
  countReceived: [/( {2}countReceived\(type: MessageName\): void \{)\n[\s\S]*?\n {2}\}\n/, '$1\n    void type;\n  }\n'],
  countSent: [/( {2}countSent\(type: MessageName\): void \{)\n[\s\S]*?\n {4}\}\n {2}\}\n/, '$1\n    void type;\n  }\n'],
  // A publication's deliveries, counted by the broker once per publication (broker/delivery-count.ts).
  countEvents: [/( {2}countEvents\(n: number\): void \{)\n[\s\S]*?\n {2}\}\n/, '$1\n    void n;\n  }\n'],
  // A call's INVOCATIONs and RESULTs, counted by the dealer at fixed slots (dealer/call-message-count.ts).
  countInvocation: [/( {2}countInvocation\(\): void \{)\n[\s\S]*?\n {2}\}\n/, '$1\n  }\n'],
  countResult: [/( {2}countResult\(\): void \{)\n[\s\S]*?\n {2}\}\n/, '$1\n  }\n'],
};

/** The pieces that can be emptied one at a time (`--counting-off now,observe`). */
export const COUNTING_PIECES = Object.keys(STUBS);

/**
 * `{ [ROUTER_STATS]: source }` with the counting emptied, for buildInterchange's `replace`; only
 * the `pieces` named (default: all), to find which of them costs what.
 */
export function countingOff(root, pieces = COUNTING_PIECES) {
  let source = readFileSync(join(root, ROUTER_STATS), 'utf8');
  for (const piece of pieces) {
    if (!(piece in STUBS)) throw new Error(`counting-off: no piece ${piece} (${COUNTING_PIECES.join(', ')})`);
    const [pattern, replacement] = STUBS[piece];
    if (!pattern.test(source)) throw new Error(`counting-off: ${pattern} not found in ${ROUTER_STATS}`);
    source = source.replace(pattern, replacement);
  }
  return { [ROUTER_STATS]: source };
}

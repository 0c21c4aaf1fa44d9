/**
 * The random engine for one target: `node fuzz/run-fast-check.mjs <target> <seconds>` runs the
 * seed corpus, then fast-check's inputs (inputs.mjs) until the time is up, and prints the count.
 * A finding is shrunk by fast-check and written to fuzz/findings/<target>-<hash>, then the process
 * exits 1. run.mjs starts it in a child process so that a hang is caught by a wall-clock limit.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { fuzzInputs, readCorpus } from './inputs.mjs';

const [target, secondsText = '60'] = process.argv.slice(2);
const seconds = Number(secondsText);
const { fuzz } = await import(`./targets/${target}.mjs`);

const seeds = readCorpus(target);
for (const seed of seeds) await fuzz(seed);

let runs = seeds.length;
const result = await fc.check(
  fc.asyncProperty(fuzzInputs(seeds), async (data) => {
    runs++;
    await fuzz(data);
  }),
  { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false },
);
if (result.failed) {
  const [data] = result.counterexample;
  const file = new URL(
    `findings/${target}-${createHash('sha1').update(data).digest('hex').slice(0, 16)}`,
    import.meta.url,
  );
  mkdirSync(new URL('findings/', import.meta.url), { recursive: true });
  writeFileSync(file, data);
  console.error(`${target}: FINDING after ${runs} inputs, written to ${file.pathname}`);
  console.error(result.errorInstance ?? result.error);
  process.exit(1);
}
console.log(`${target}: ${runs} inputs in ${seconds} s, no finding (fast-check engine, seed ${result.seed})`);

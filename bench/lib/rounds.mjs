/**
 * What the bench scripts that compare targets over several rounds share (counting-cost.mjs,
 * floor.mjs, latency-floor.mjs, run.mjs): the interleaved order of the targets, the rounds of
 * throughput cells, the median they keep, and how a script ends (its routers killed either way).
 */
import { runCell } from './cell.mjs';
import { killAll } from './processes.mjs';

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The targets in the order they run in `round`: who goes first alternates, so a slow stretch of
 * the machine does not always hit the same one.
 */
export function interleaved(targets, round) {
  return round % 2 === 0 ? targets : [...targets].reverse();
}

/** A throughput cell's name in the samples and the log: scenario, serializer, subscribers. */
export function cellName(cell) {
  return `${cell.scenario} ${cell.serializer}${cell.params.subscribers ? ` ${cell.params.subscribers} subscribers` : ''}`;
}

/**
 * Runs every cell on every target, `rounds` times, interleaved, logging each result; returns the
 * samples: `{ cell, target, round, ok, rate, unit, routerCpu }` or `{ ..., ok: false, error }`.
 */
export async function throughputRounds({ rounds, cells, targets, context }) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const order = interleaved(targets, round);
    for (const cell of cells) {
      for (const target of order) {
        const r = await runCell({ ...cell, target }, context);
        const name = cellName(cell);
        samples.push(
          r.ok
            ? { cell: name, target, round, ok: true, rate: r.rate, unit: r.unit, routerCpu: r.routerCpu }
            : { cell: name, target, round, ok: false, error: r.error },
        );
        console.log(
          r.ok
            ? `round ${round + 1} ${name} ${target}: ${Math.round(r.rate)} ${r.unit}, router cpu ${Math.round(r.routerCpu * 100)}%`
            : `round ${round + 1} ${name} ${target}: FAILED ${r.error}`,
        );
      }
    }
  }
  return samples;
}

/** Runs a script's `main` (resolving to its exit code), killing the routers it started either way. */
export function runMain(main) {
  main()
    .then((code) => {
      killAll();
      process.exitCode = code;
    })
    .catch((error) => {
      console.error(error);
      killAll();
      process.exitCode = 1;
    });
}

/** Value readers for {@link parseRoundsOptions}. */
export const read = Object.freeze({
  text: (value) => value,
  number: Number,
  list: (value) => value.split(','),
  numbers: (value) => value.split(',').map(Number),
  /** Seconds on the command line, milliseconds in the options. */
  secondsToMs: (value) => Number(value) * 1000,
});

/**
 * The flags every interleaved-rounds script takes (counting-cost.mjs, floor.mjs, pretenuring.mjs),
 * for {@link parseRoundsOptions}; {@link ROUNDS_USAGE} lists them.
 */
export const ROUNDS_FLAGS = Object.freeze({
  '--rounds': ['rounds', read.number],
  '--serializers': ['serializers', read.list],
  '--fanout': ['fanout', read.numbers],
  '--duration': ['durationMs', read.secondsToMs],
  '--out': ['out', read.text],
});
export const ROUNDS_USAGE = '--rounds N, --serializers a,b, --fanout 100,1000, --duration S, --out FILE';

/**
 * Reads `--flag value` pairs into a copy of `defaults`: `flags` maps each flag to the option it
 * sets and the reader of its value (see {@link read}); `usage` lists the flags in the error for
 * an unknown one. `rounds` must end up a positive integer.
 */
export function parseRoundsOptions(argv, defaults, flags, usage) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (flag === undefined) throw new Error(`unknown option ${name} (${usage})`);
    options[flag[0]] = flag[1](value);
  }
  if (!(Number.isInteger(options.rounds) && options.rounds > 0)) throw new Error('--rounds must be a positive integer');
  return options;
}

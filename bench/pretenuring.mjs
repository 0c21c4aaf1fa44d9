#!/usr/bin/env node
/**
 * V8's allocation-site pretenuring on and off, end to end (issue 17, "Fan-out at 10,000
 * subscribers"): the same Interchange build three times, in interleaved rounds (the order
 * alternates), on the cells of bench/floor.mjs: routed calls and fan-out to 100, 1,000 and
 * 10,000 subscribers. `pretenuring`: V8's default; `no-pretenuring-flag`: started with
 * `--no-allocation-site-pretenuring`; `no-pretenuring-runtime`: the flag set at run time by
 * packages/server/bin/v8-flags.js (what the `interchange` command does), loaded with `--import`
 * before the launcher as the command loads it before the CLI.
 * Pretenuring makes V8 allocate objects from allocation sites whose objects tend to survive
 * straight into old space; with thousands of connections set up at once it can also put a
 * fan-out's short-lived objects there, which then cost full collections instead of scavenges.
 *
 * On a shared machine the rate a router reaches depends on how much CPU it was given, so the
 * figure to read is deliveries (or calls) per second of router CPU; both the median and the best
 * round are kept.
 *
 *   node bench/pretenuring.mjs                                   3 rounds, json, 100/1,000/10,000
 *   node bench/pretenuring.mjs --rounds 5 --fanout 10000 --serializers json,msgpack
 *
 * Writes bench/results/pretenuring.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInterchange } from './lib/build-interchange.mjs';
import { machine } from './lib/machine.mjs';
import { canPin } from './lib/processes.mjs';
import {
  cellName,
  median,
  parseRoundsOptions,
  ROUNDS_FLAGS,
  ROUNDS_USAGE,
  read,
  runMain,
  throughputRounds,
} from './lib/rounds.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const FLAG = '--no-allocation-site-pretenuring';
const V8_FLAGS = join(root, 'packages', 'server', 'bin', 'v8-flags.js');
/** The variants: this tree's build each time, started with other Node flags. */
const VARIANTS = {
  pretenuring: { label: 'V8 default', launcher: 'interchange.mjs', execArgv: [] },
  'no-pretenuring-flag': { label: FLAG, launcher: 'interchange.mjs', execArgv: [FLAG] },
  'no-pretenuring-runtime': {
    label: 'bin/v8-flags.js',
    launcher: 'interchange.mjs',
    execArgv: ['--import', V8_FLAGS],
  },
};
const NAMES = Object.keys(VARIANTS);

function parse(argv) {
  const defaults = {
    rounds: 3,
    serializers: ['json'],
    fanout: [100, 1000, 10_000],
    warmupMs: 500,
    durationMs: 1500,
    note: undefined,
    out: join(here, 'results', 'pretenuring.json'),
  };
  const flags = { ...ROUNDS_FLAGS, '--note': ['note', read.text] };
  return parseRoundsOptions(argv, defaults, flags, `${ROUNDS_USAGE}, --note TEXT`);
}

async function main() {
  const options = parse(process.argv.slice(2));
  const started = Date.now();
  const bundle = await buildInterchange({ root, outDir: join(here, '.build'), name: 'interchange' });
  const context = {
    here,
    peersDir: join(here, '.peers'),
    bundles: Object.fromEntries(NAMES.map((name) => [name, bundle])),
    variants: VARIANTS,
    sizes: { warmupMs: options.warmupMs, durationMs: options.durationMs },
    interchangeFlags: [],
    results: [],
  };
  const cells = [];
  for (const serializer of options.serializers) {
    cells.push({ scenario: 'rpc-throughput', serializer, params: { callers: 4, inflight: 1024 } });
    for (const subscribers of options.fanout)
      cells.push({
        scenario: 'fanout',
        serializer,
        params: { subscribers, windows: [20_000, 100_000], publications: 512 },
      });
  }
  const samples = await throughputRounds({ rounds: options.rounds, cells, targets: NAMES, context });
  const summary = cells.map((cell) => {
    const of = (target) => samples.filter((s) => s.ok && s.cell === cellName(cell) && s.target === target);
    const stats = (list) => {
      const perCpu = list.filter((s) => s.routerCpu > 0).map((s) => s.rate / s.routerCpu);
      return {
        rounds: list.length,
        rate: median(list.map((s) => s.rate)),
        perCpu: median(perCpu),
        perCpuBest: Math.max(...perCpu),
        perCpuAll: perCpu.map(Math.round),
        routerCpu: median(list.map((s) => s.routerCpu)),
      };
    };
    return {
      cell: cellName(cell),
      unit: of(NAMES[0])[0]?.unit,
      variants: Object.fromEntries(NAMES.map((name) => [name, stats(of(name))])),
    };
  });
  const meta = {
    ...machine(root),
    pinned: canPin,
    rounds: options.rounds,
    variants: Object.fromEntries(NAMES.map((name) => [name, VARIANTS[name].execArgv])),
    sizes: { warmupMs: options.warmupMs, durationMs: options.durationMs },
    loadAverage: (await import('node:os')).loadavg()[0],
    note: options.note,
  };
  meta.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ meta, summary, samples }, null, 1)}\n`);
  const pct = (x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(0)} %`;
  for (const s of summary) {
    const base = s.variants[NAMES[0]].perCpu;
    const parts = NAMES.map((name) => {
      const v = s.variants[name];
      if (v.rounds === 0) return `${name}: no round succeeded`;
      const change = name === NAMES[0] ? '' : ` ${pct(v.perCpu / base)}`;
      return `${name} ${Math.round(v.perCpu)} (${v.perCpuAll.join(', ')})${change}`;
    });
    console.log(`${s.cell}, median per router CPU-second: ${parts.join('; ')}`);
  }
  console.log(`results: ${options.out} (${meta.seconds} s)`);
  return samples.some((s) => !s.ok) ? 1 : 0;
}

runMain(main);

#!/usr/bin/env node
/**
 * Interchange against the floors of issue 17, side by side in interleaved rounds: the bare
 * `node:net` relay (targets/net-relay.mjs, what Node.js itself costs) and the same relay on Bun's
 * native uWebSockets server (targets/bun-relay.mjs, skipped with a line when Bun is missing).
 * Each cell is measured once per round, who goes first alternating; the best round counts (the
 * issue's "best of two interleaved rounds"), the median is kept too. The ratios Interchange /
 * floor are what BENCHMARKS.md's "Against the floor" section reads.
 *
 *   node bench/floor.mjs                                  2 rounds: rpc json+msgpack, fan-out 100, 1,000, 10,000
 *   node bench/floor.mjs --rounds 3 --fanout 100,1000 --serializers json --note "shared machine"
 *
 * Writes bench/results/floor.json, which `node bench/report.mjs` puts into BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInterchange } from './lib/build-interchange.mjs';
import { machine } from './lib/machine.mjs';
import { BUN_PACKAGE, BUN_VERSION, bunExecutable, ensurePeers } from './lib/peers.mjs';
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

function parse(argv) {
  const defaults = {
    rounds: 2,
    serializers: ['json', 'msgpack'],
    fanout: [100, 1000, 10_000],
    targets: ['interchange', 'net-relay', 'bun-relay'],
    warmupMs: 500,
    durationMs: 1500,
    note: undefined,
    // The `interchange` command turns V8's allocation-site pretenuring off
    // (packages/server/bin/v8-flags.js); the bench target starts the router without the command.
    interchangeFlags: ['--no-allocation-site-pretenuring'],
    out: join(here, 'results', 'floor.json'),
  };
  const flags = {
    ...ROUNDS_FLAGS,
    '--targets': ['targets', read.list],
    '--note': ['note', read.text],
    '--interchange-flags': ['interchangeFlags', (value) => value.split(' ').filter(Boolean)],
  };
  const usage = `${ROUNDS_USAGE}, --targets a,b, --note TEXT, --interchange-flags "F ..." (Node flags of the Interchange router; "" for none)`;
  return parseRoundsOptions(argv, defaults, flags, usage);
}

async function main() {
  const options = parse(process.argv.slice(2));
  const started = Date.now();
  const peersDir = join(here, '.peers');
  let targets = options.targets;
  if (targets.includes('bun-relay')) {
    const spec = `${BUN_PACKAGE}@${BUN_VERSION}`;
    ensurePeers(peersDir, [], (line) => console.log(line), [spec]);
    if (bunExecutable(peersDir) === undefined) {
      console.log(`skipping bun-relay: no Bun binary (${BUN_PACKAGE}) for ${process.platform}-${process.arch}`);
      targets = targets.filter((t) => t !== 'bun-relay');
    }
  }
  const context = {
    here,
    peersDir,
    bunPath: bunExecutable(peersDir),
    bundles: { interchange: await buildInterchange({ root, outDir: join(here, '.build'), name: 'interchange' }) },
    sizes: { warmupMs: options.warmupMs, durationMs: options.durationMs },
    interchangeFlags: options.interchangeFlags,
    results: [],
  };
  const cells = [];
  for (const serializer of options.serializers)
    cells.push({ scenario: 'rpc-throughput', serializer, params: { callers: 4, inflight: 1024 } });
  for (const subscribers of options.fanout)
    cells.push({
      scenario: 'fanout',
      serializer: 'json',
      params: { subscribers, windows: [20_000, 100_000], publications: 512 },
    });
  const samples = await throughputRounds({ rounds: options.rounds, cells, targets, context });
  const summary = cells.map((cell) => {
    const row = {
      cell: cellName(cell),
      scenario: cell.scenario,
      serializer: cell.serializer,
      ...cell.params,
      targets: {},
    };
    for (const target of targets) {
      const ok = samples.filter((s) => s.ok && s.cell === cellName(cell) && s.target === target);
      if (ok.length === 0) continue;
      row.unit = ok[0].unit;
      row.targets[target] = {
        rounds: ok.length,
        best: Math.max(...ok.map((s) => s.rate)),
        median: median(ok.map((s) => s.rate)),
        // Rate per second of router CPU: what a message costs, less sensitive to a busy machine.
        perCpu: Math.max(...ok.filter((s) => s.routerCpu > 0).map((s) => s.rate / s.routerCpu)),
      };
    }
    return row;
  });
  const meta = {
    ...machine(root),
    pinned: canPin,
    rounds: options.rounds,
    targets,
    sizes: { warmupMs: options.warmupMs, durationMs: options.durationMs },
    interchangeFlags: options.interchangeFlags,
    loadAverage: (await import('node:os')).loadavg()[0],
    note: options.note,
  };
  meta.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ meta, summary, samples }, null, 1)}\n`);
  for (const s of summary) {
    const i = s.targets.interchange;
    const ratios = targets
      .filter((t) => t !== 'interchange' && s.targets[t] !== undefined && i !== undefined)
      .map((t) => `${(i.best / s.targets[t].best).toFixed(2)} of ${t}`);
    console.log(
      `${s.cell}: ${targets.map((t) => `${t} ${Math.round(s.targets[t]?.best ?? 0)}`).join(', ')}; ${ratios.join(', ')}`,
    );
  }
  console.log(`results: ${options.out} (${meta.seconds} s)`);
  return samples.some((s) => !s.ok && s.target === 'interchange') ? 1 : 0;
}

runMain(main);

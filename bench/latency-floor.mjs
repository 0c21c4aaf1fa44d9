#!/usr/bin/env node
/**
 * RPC latency against the floor: Interchange and the bare `node:net` relay (targets/net-relay.mjs)
 * at the same open-loop rates, repeated and interleaved, so that what the machine adds (a busy host, a descheduled vCPU) is
 * told apart from what the router adds. One latency cell is one sample of a noisy tail; the
 * median of several, with the relay measured in between, is what to compare.
 *
 *   node bench/latency-floor.mjs                      5 rounds at 10,000/s and half the floor's max
 *   node bench/latency-floor.mjs --rounds 3 --rates 60000,half --serializer msgpack
 *   node bench/latency-floor.mjs --targets interchange,ws-relay   against the `ws` relay instead
 *
 * 'half' is half of what the floor (the last target named) routes at most, measured first in the
 * same run: the rate where the issue 17 goal (p99 within 1.5x of the floor's) is judged.
 *
 * Writes bench/results/latency-floor.json, which `node bench/report.mjs` puts into BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInterchange } from './lib/build-interchange.mjs';
import { runCell } from './lib/cell.mjs';
import { machine } from './lib/machine.mjs';
import { canPin, killAll } from './lib/processes.mjs';
import { interleaved, median, parseRoundsOptions, read } from './lib/rounds.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const CALLERS = 4;
/** 256 calls in flight per caller when measuring the floor's maximum (see lib/options.mjs). */
const INFLIGHT = 1024;

function parse(argv) {
  const defaults = {
    rounds: 5,
    rates: [10_000, 'half'],
    targets: ['interchange', 'net-relay'],
    serializer: 'json',
    out: join(here, 'results', 'latency-floor.json'),
  };
  const flags = {
    '--rounds': ['rounds', read.number],
    '--rates': ['rates', (value) => value.split(',').map((r) => (r === 'half' ? r : Number(r)))],
    '--serializer': ['serializer', read.text],
    '--targets': ['targets', read.list],
    '--out': ['out', read.text],
  };
  const options = parseRoundsOptions(
    argv,
    defaults,
    flags,
    '--rounds N, --rates a,b, --serializer S, --targets a,b, --out FILE',
  );
  for (const r of options.rates) if (r !== 'half' && !(Number.isInteger(r) && r > 0)) throw new Error(`bad rate ${r}`);
  return options;
}

async function main() {
  const options = parse(process.argv.slice(2));
  const TARGETS = options.targets;
  const floor = TARGETS.at(-1);
  const started = Date.now();
  const buildDir = join(here, '.build');
  const bundles = { interchange: await buildInterchange({ root, outDir: buildDir, name: 'interchange' }) };
  const context = {
    here,
    peersDir: join(here, '.peers'),
    bundles,
    sizes: { warmupMs: 1000, durationMs: 3000 },
    interchangeFlags: [],
    results: [],
  };
  const { serializer } = options;
  let max;
  if (options.rates.includes('half')) {
    const cell = {
      scenario: 'rpc-throughput',
      target: floor,
      serializer,
      params: { callers: CALLERS, inflight: INFLIGHT },
    };
    const result = await runCell(cell, context);
    if (!result.ok) throw new Error(`rpc-throughput of ${floor} failed: ${result.error}`);
    max = result.rate;
    console.log(`${floor} ${serializer} maximum: ${Math.round(max)} calls/s`);
  }
  const rates = options.rates.map((r) => (r === 'half' ? Math.round(max / 2) : r));
  const samples = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = interleaved(TARGETS, round);
    for (const rate of rates) {
      for (const target of order) {
        const cell = { scenario: 'rpc-latency', target, serializer, params: { callers: CALLERS, rate } };
        const r = await runCell(cell, context);
        const sample = r.ok
          ? {
              target,
              rate,
              round,
              ok: true,
              achieved: r.rate,
              routerCpu: r.routerCpu,
              ...r.latencyUs,
              saturated: r.saturated,
            }
          : { target, rate, round, ok: false, error: r.error };
        samples.push(sample);
        console.log(
          r.ok
            ? `round ${round + 1} ${target} ${rate}/s: p50 ${sample.p50} us, p99 ${sample.p99} us, p99.9 ${sample.p999} us`
            : `round ${round + 1} ${target} ${rate}/s: FAILED ${r.error}`,
        );
      }
    }
  }
  const summary = [];
  for (const rate of rates) {
    for (const target of TARGETS) {
      const ok = samples.filter((s) => s.ok && s.target === target && s.rate === rate);
      if (ok.length === 0) continue;
      const p99 = ok.map((s) => s.p99);
      summary.push({
        target,
        rate,
        half: max !== undefined && rate === Math.round(max / 2),
        rounds: ok.length,
        p50: median(ok.map((s) => s.p50)),
        p99: median(p99),
        p99Min: Math.min(...p99),
        p99Max: Math.max(...p99),
        p999: median(ok.map((s) => s.p999)),
        saturatedRounds: ok.filter((s) => s.saturated).length,
        under1ms: p99.filter((v) => v < 1000).length,
        routerCpu: median(ok.map((s) => s.routerCpu)),
      });
    }
  }
  // The ratio the issue 17 goal reads: each target's median p99 over the floor's, per rate.
  for (const s of summary) {
    const base = summary.find((f) => f.target === floor && f.rate === s.rate);
    if (base !== undefined && base.p99 > 0) s.p99OverFloor = s.p99 / base.p99;
  }
  const meta = {
    ...machine(root),
    pinned: canPin,
    serializer,
    rounds: options.rounds,
    targets: TARGETS,
    floor,
    floorMax: max,
    loadAverage: (await import('node:os')).loadavg()[0],
  };
  meta.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ meta, summary, samples }, null, 1)}\n`);
  for (const s of summary)
    console.log(
      `${s.target} ${s.rate}/s: median p50 ${s.p50} us, p99 ${s.p99} us (${s.p99Min} to ${s.p99Max}), p99.9 ${s.p999} us${s.p99OverFloor === undefined ? '' : `, p99 ${s.p99OverFloor.toFixed(2)}x the floor's`}`,
    );
  console.log(`results: ${options.out} (${meta.seconds} s)`);
  const failed = samples.filter((s) => !s.ok);
  return failed.length > 0 ? 1 : 0;
}

main()
  .then((code) => {
    killAll();
    process.exitCode = code;
  })
  .catch((error) => {
    console.error(error.message);
    killAll();
    process.exitCode = 1;
  });

#!/usr/bin/env node
/**
 * Runs the benchmark: every scenario against every target, one cell at a time, each cell with a
 * fresh router pinned to core 0 and fresh load agents pinned to core 1. Results go to
 * bench/results/<date>.json and, for a full run, into BENCHMARKS.md.
 *
 *   npm run bench                 the full comparison (several minutes)
 *   npm run bench:smoke           tiny sizes, every scenario and target end to end (< 60 s)
 *   node bench/run.mjs --help     choosing targets, scenarios and sizes
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASELINE_FILES, baselineHasMqtt, buildInterchange, DEFAULT_BASELINE_REF } from './lib/build-interchange.mjs';
import { runCell } from './lib/cell.mjs';
import { machine } from './lib/machine.mjs';
import { parseOptions, TARGETS, USAGE } from './lib/options.mjs';
import { BUN_PACKAGE, bunExecutable, ensurePeers } from './lib/peers.mjs';
import { planCells } from './lib/plan.mjs';
import { canPin } from './lib/processes.mjs';
import { runMain } from './lib/rounds.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const started = Date.now();
  const buildDir = join(here, '.build');
  const peersDir = join(here, '.peers');
  const baselineRef = options.baseline ?? DEFAULT_BASELINE_REF;
  const baselineFiles = options.baselineFiles ?? BASELINE_FILES;

  const peers = options.targets.map((t) => TARGETS[t].peer).filter((p) => p !== undefined);
  const optionalPeers = options.targets.filter((t) => TARGETS[t].optional).map((t) => TARGETS[t].peer);
  if (peers.length > 0) ensurePeers(peersDir, peers, (line) => console.log(line), optionalPeers);
  const bunPath = bunExecutable(peersDir);
  if (options.targets.includes('bun-relay') && bunPath === undefined) {
    // Bun ships for some platforms only; the comparison goes on without it.
    console.log(
      `skipping bun-relay: no Bun binary (${BUN_PACKAGE}) could be installed for ${process.platform}-${process.arch}`,
    );
    options.targets = options.targets.filter((t) => TARGETS[t].runtime !== 'bun');
  }
  const bundles = {};
  if (options.targets.includes('interchange')) {
    bundles.interchange = await buildInterchange({ root, outDir: buildDir, name: 'interchange' });
  }
  let baselineError;
  if (options.targets.includes('interchange-baseline')) {
    try {
      bundles['interchange-baseline'] = await buildInterchange({
        root,
        outDir: buildDir,
        name: 'interchange-baseline',
        baselineRef,
        baselineFiles,
      });
    } catch (error) {
      // The baseline is a comparison, not a subject: without its commit (a shallow clone, a
      // rewritten history) the run goes on without it.
      baselineError = `cannot build interchange-baseline from ${baselineRef}: ${String(error.message).split('\n')[0]}`;
      console.log(`skipping interchange-baseline: ${baselineError}`);
      options.targets = options.targets.filter((t) => t !== 'interchange-baseline');
    }
    if (
      options.targets.includes('interchange-baseline') &&
      options.scenarios.includes('mqtt') &&
      !baselineHasMqtt(root, baselineRef)
    ) {
      console.log(`skipping mqtt on interchange-baseline: ${baselineRef} has no MQTT transport`);
      options.withoutMqtt = ['interchange-baseline'];
    }
  }

  const meta = {
    ...machine(root),
    pinned: canPin,
    smoke: options.smoke,
    baselineRef,
    baselineFiles,
    baselineNote: options.baselineNote,
    sizes: options.sizes,
    note: options.note,
    baselineError,
    started: new Date(started).toISOString(),
  };
  console.log(
    `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}; router on core 0, load on core 1${canPin ? '' : ' (taskset unavailable: not pinned)'}`,
  );

  const cells = planCells(options);
  const results = [];
  const context = {
    here,
    peersDir,
    bunPath,
    bundles,
    sizes: options.sizes,
    profile: options.profile,
    profileLoad: options.profileLoad,
    interchangeFlags: options.interchangeFlags,
    profileDir: join(buildDir, 'profiles'),
    results,
  };
  for (const [i, cell] of cells.entries()) {
    const result = await runCell(cell, context);
    results.push(result);
    console.log(`[${i + 1}/${cells.length}] ${describe(result)}`);
  }
  let cluster;
  if (options.scenarios.includes('cluster')) {
    const { clusterScenario, clusterMarkdown } = await import('./lib/scenario-cluster.mjs');
    const { warmupMs, durationMs } = options.sizes;
    try {
      cluster = await clusterScenario({
        cli: join(root, 'packages', 'server', 'bin', 'interchange.js'),
        sizes: { ...options.sizes.cluster, warmupMs, durationMs },
        log: (line) => console.log(line),
      });
      if (!options.smoke)
        writeFileSync(join(here, 'results', 'cluster.md'), clusterMarkdown(cluster, meta, options.note));
    } catch (error) {
      console.log(`FAILED: cluster: ${error.message}`);
      results.push({
        scenario: 'cluster',
        target: 'interchange',
        serializer: 'msgpack',
        params: {},
        ok: false,
        error: error.message,
      });
    }
  }
  meta.seconds = Math.round((Date.now() - started) / 1000);

  const out =
    options.out ??
    (options.smoke
      ? join(buildDir, 'smoke.json')
      : join(here, 'results', `${meta.started.slice(0, 19).replaceAll(':', '-')}.json`));
  mkdirSync(dirname(out), { recursive: true });
  // One line per cell: diffs of a re-run stay readable, histograms stay small.
  writeFileSync(
    out,
    `{"meta": ${JSON.stringify(meta, null, 1)},\n${cluster === undefined ? '' : `"cluster": ${JSON.stringify(cluster)},\n`}"results": [\n${results.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`,
  );
  console.log(`results: ${out} (${meta.seconds} s)`);
  if (options.report) {
    const { writeReport } = await import('./lib/report.mjs');
    const written = writeReport({ root, files: [out] });
    console.log(`report: ${written.join(', ')}`);
  }

  const failed = results.filter((r) => !r.ok);
  // A peer router failing (fox-wamp crashes at 1,000 subscribers) is a result; ours failing is an error.
  const fatal = options.smoke ? failed : failed.filter((r) => TARGETS[r.target].ours);
  for (const r of failed)
    console.log(
      `${fatal.includes(r) ? 'FAILED' : 'failed (recorded)'}: ${r.scenario} ${r.target} ${r.serializer}: ${r.error}`,
    );
  return fatal.length > 0 ? 1 : 0;
}

function describe(r) {
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const head = `${r.scenario} ${r.target} ${r.serializer} ${params}`;
  if (!r.ok) return `${head}: FAILED ${r.error}`;
  if (r.scenario === 'sessions') {
    return `${head}: ${r.opened} sessions, ${Math.round(r.perSession.rss)} B RSS and ${Math.round(r.perSession.heapUsed)} B heap per session`;
  }
  const cpu = `router cpu ${pct(r.routerCpu)}, load cpu ${pct(r.loadCpu)}`;
  if (r.scenario === 'rpc-latency') {
    const l = r.latencyUs;
    return `${head}: ${fmt(r.rate)} calls/s, p50 ${l.p50} us, p99 ${l.p99} us, p99.9 ${l.p999} us${r.saturated ? ' (saturated)' : ''} (${cpu})`;
  }
  if (r.scenario === 'mqtt') {
    const l = r.latencyUs;
    return `${head}: ${fmt(r.publishRate)} publications/s, ${fmt(r.rate)} deliveries/s; at ${fmt(r.latencyRate)}/s p50 ${l.p50} us, p99 ${l.p99} us${r.saturated ? ' (saturated)' : ''} (${cpu})`;
  }
  return `${head}: ${fmt(r.rate)} ${r.unit} (${cpu})`;
}

const pct = (x) => `${Math.round(x * 100)}%`;
const fmt = (x) => Math.round(x).toLocaleString('en-US');

runMain(main);

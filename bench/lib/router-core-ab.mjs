#!/usr/bin/env node
/**
 * Two builds of the router side by side in ONE process, in alternating batches: the CPU time per
 * call or per delivery of each, batch after batch, so that both see the same machine at the same
 * moment. On a shared machine, where one run of the same build can differ from the next by 20 %,
 * this is what tells a change of a few % from the noise: the paired ratio of adjacent batches.
 *
 *   node bench/lib/router-core-ab.mjs --baseline REF --files a,b [--scenarios rpc-window,fanout,fanout-ws]
 *                                     [--rounds 30] [--processes 5] [--json] [--out FILE --note TEXT]
 *
 * "A" is the working tree with `--files` (files or folders) as they were at `--baseline`
 * (default HEAD), "B" the working tree. With `--counting-off`, "A" is the working tree with the
 * router's counters emptied instead (counting-off.mjs: what counting costs, issue 14); with
 * `--counting-off now,observe` only those pieces (counting-off.mjs lists them). With
 * `--a BUNDLE --b BUNDLE` it takes two bundles built elsewhere instead. Scenarios:
 *
 * - `rpc-window`: the router core per routed call (CALL → INVOCATION → YIELD → RESULT), sessions on
 *   in-memory peers, 256 calls in flight as under load;
 * - `fanout`: the router core per delivery, one PUBLISH to 100 subscribers on in-memory peers;
 * - `fanout-ws`: the same through the WebSocket transport: 100 subscribers on `WebSocketConnection`s
 *   over fake sockets (no syscalls), json, 8 publications per tick, so each delivery pays the
 *   router, the frame cache, the outbound accounting, the queue and its share of the tick's
 *   joined write;
 * - `fanout-ws-10k`: the same with 10,000 subscribers (the fan-out cell furthest from the floor);
 * - `rpc-ws`: routed calls whose caller is on the WebSocket transport (fake socket): each CALL
 *   goes in through `onWireMessage`, each RESULT out through the send path and the tick's write;
 * - `rpc-ws2`, `rpc-ws2-msgpack`: routed calls with caller and callee both on the transport, json
 *   or msgpack: per call two decodes (CALL, YIELD) and two encodes (INVOCATION, RESULT), the
 *   codec's whole share of a call.
 *
 * Each scenario runs in `--processes` fresh processes, `--rounds` rounds each. Prints, per process,
 * each build's median and quartiles (ns of CPU per unit, `process.cpuUsage`, GC threads included)
 * and the median of B/A over the rounds, with how many rounds B was faster; then the verdict
 * across processes. `node --cpu-prof bench/lib/router-core-ab.mjs ...` profiles the processes
 * (both builds: their functions are told apart by the bundle file names, hp-a.mjs and hp-b.mjs).
 * `--out bench/results/router-core-ab.json` keeps the run for BENCHMARKS.md (`node bench/report.mjs`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInterchange } from './build-interchange.mjs';
import { countingOff, ROUTER_STATS } from './counting-off.mjs';
import { machine } from './machine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function parse(argv) {
  const options = {
    baseline: 'HEAD',
    files: [],
    scenarios: ['rpc-window', 'fanout', 'fanout-ws'],
    rounds: 30,
    processes: 5,
    a: undefined,
    b: undefined,
    json: false,
    countingOff: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    if (flag === '--baseline') options.baseline = value();
    else if (flag === '--files') options.files = value().split(',');
    else if (flag === '--scenarios') options.scenarios = value().split(',');
    else if (flag === '--rounds') options.rounds = Number(value());
    else if (flag === '--processes') options.processes = Number(value());
    else if (flag === '--a') options.a = value();
    else if (flag === '--b') options.b = value();
    else if (flag === '--json') options.json = true;
    else if (flag === '--counting-off') {
      options.countingOff = true;
      // Optionally followed by the pieces to empty (counting-off.mjs), e.g. `--counting-off now,observe`.
      if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) options.countingPieces = value().split(',');
    } else if (flag === '--out') options.out = value();
    else if (flag === '--note') options.note = value();
    else if (flag === '--child') options.child = value();
    else if (flag === '--reverse') options.reverse = true;
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

const ROLES = { subscriber: {}, publisher: {}, caller: {}, callee: {} };

async function startRouter(bundle) {
  const mod = await import(bundle);
  const node = await mod.InterchangeNode.start({
    cbdir: root,
    config: { version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports: [] }] },
  });
  return { mod, node, router: node.routers[0] };
}

function memoryJoin(router, onMessage) {
  const peer = { info: { type: 'memory', serializer: 'json', peer: 'memory:bench' }, send: onMessage, close() {} };
  const connection = router.connect(peer);
  connection.receive({ type: 'HELLO', realm: 'realm1', details: { roles: ROLES } });
  return connection;
}

/**
 * A `WebSocketConnection` of build `mod` over a fake socket (no syscalls), joined to `router`;
 * `onWrite(chunk)` sees what it writes.
 */
function fakeWebSocket(mod, router, { cache, flusher, port, onWrite }) {
  const noop = () => {};
  const write = (chunk) => {
    onWrite(chunk);
    return true;
  };
  const socket = { writableLength: 0, write, cork: noop, uncork: noop };
  const wire = {
    direct: true,
    readyState: 1,
    bufferedAmount: 0,
    listen: noop,
    send: noop,
    close: noop,
    terminate: noop,
    ping: noop,
  };
  const request = { headers: {}, socket: { remoteAddress: '127.0.0.1', remotePort: port, remoteFamily: 'IPv4' } };
  const logger = { debug: noop, info: noop, warn: noop, error: noop, trace: noop, fatal: noop, child: () => undefined };
  const connection = new mod.WebSocketConnection({
    wire,
    socket,
    request,
    cache,
    maxMessageSize: 1 << 20,
    flusher,
    logger,
  });
  const session = router.connect(connection);
  connection.start(session);
  session.receive({ type: 'HELLO', realm: 'realm1', details: { roles: ROLES } });
  return { connection, session };
}

/** A scenario on one build: `run(n)` does n units of work (calls or deliveries, rounded up). */
async function setUp(bundle, scenario) {
  const { mod, router } = await startRouter(bundle);
  if (scenario === 'rpc-window') {
    const WINDOW = 256;
    let results = 0;
    const invocations = [];
    const callee = memoryJoin(router, (m) => {
      if (m.type === 'INVOCATION') invocations.push(m.requestId);
    });
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.bench.echo' });
    const caller = memoryJoin(router, (m) => {
      if (m.type === 'RESULT') results++;
    });
    let id = 1;
    return {
      unit: 'ns per call',
      batch: 64 * WINDOW,
      counted: () => results,
      run(n) {
        for (let i = 0; i < n; i += WINDOW) {
          for (let k = 0; k < WINDOW; k++)
            caller.receive({ type: 'CALL', requestId: id++, options: {}, procedure: 'com.bench.echo', args: [1] });
          for (const requestId of invocations.splice(0))
            callee.receive({ type: 'YIELD', requestId, options: {}, args: [1] });
        }
      },
    };
  }
  if (scenario === 'fanout') {
    let delivered = 0;
    for (let i = 0; i < 100; i++) {
      memoryJoin(router, () => {
        delivered++;
      }).receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.bench.topic' });
    }
    const publisher = memoryJoin(router, () => {});
    const publish = { type: 'PUBLISH', requestId: 1, options: {}, topic: 'com.bench.topic', args: [1] };
    return {
      unit: 'ns per delivery',
      batch: 2_000_000,
      counted: () => delivered,
      run(n) {
        for (let i = 0; i < n; i += 100) publisher.receive(publish);
      },
    };
  }
  if (scenario === 'fanout-ws' || scenario === 'fanout-ws-10k') {
    // At 10,000 receivers a publication's fan-out walks far more memory than the caches hold.
    const SUBSCRIBERS = scenario === 'fanout-ws-10k' ? 10_000 : 100;
    const PER_TICK = 8;
    const flusher = new mod.TickFlusher();
    const cache = new mod.FrameCachePool().forSubprotocol('wamp.2.json');
    let written = 0;
    const noop = () => {};
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const socket = {
        writableLength: 0,
        write(chunk) {
          written += chunk.byteLength;
          return true;
        },
        cork: noop,
        uncork: noop,
      };
      const wire = {
        direct: true,
        readyState: 1,
        bufferedAmount: 0,
        listen: noop,
        send: noop,
        close: noop,
        terminate: noop,
        ping: noop,
      };
      const request = {
        headers: {},
        socket: { remoteAddress: '127.0.0.1', remotePort: 10_000 + i, remoteFamily: 'IPv4' },
      };
      const connection = new mod.WebSocketConnection({
        wire,
        socket,
        request,
        cache,
        maxMessageSize: 1 << 20,
        flusher,
        logger: { debug: noop, info: noop, warn: noop, error: noop, trace: noop, fatal: noop, child: () => undefined },
      });
      const session = router.connect(connection);
      connection.start(session);
      session.receive({ type: 'HELLO', realm: 'realm1', details: { roles: ROLES } });
      session.receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.bench.topic' });
      flusher.flushNow();
    }
    const publisher = memoryJoin(router, () => {});
    let delivered = 0;
    let sequence = 0;
    return {
      unit: 'ns per delivery',
      batch: SUBSCRIBERS === 100 ? 400_000 : 1_000_000,
      counted: () => delivered,
      written: () => written,
      run(n) {
        for (let i = 0; i < n; i += SUBSCRIBERS) {
          // A new payload each time, as publications are: the EVENT is encoded once per publication.
          publisher.receive({
            type: 'PUBLISH',
            requestId: 1,
            options: {},
            topic: 'com.bench.topic',
            args: [sequence++],
          });
          delivered += SUBSCRIBERS;
          if (sequence % PER_TICK === 0) flusher.flushNow();
        }
      },
    };
  }
  if (scenario === 'rpc-ws') {
    // The caller on the WebSocket transport: each CALL arrives as a text frame's payload through
    // onWireMessage (size check, decode, route) and its RESULT leaves through the send path.
    const WINDOW = 256;
    const flusher = new mod.TickFlusher();
    const cache = new mod.FrameCachePool().forSubprotocol('wamp.2.json');
    const invocations = [];
    let calls = 0;
    const callee = memoryJoin(router, (m) => {
      if (m.type === 'INVOCATION') invocations.push(m.requestId);
    });
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.bench.echo' });
    const { connection } = fakeWebSocket(mod, router, { cache, flusher, port: 9_999, onWrite: () => {} });
    flusher.flushNow();
    let id = 1;
    return {
      unit: 'ns per call',
      batch: 64 * WINDOW,
      counted: () => calls,
      run(n) {
        for (let i = 0; i < n; i += WINDOW) {
          for (let k = 0; k < WINDOW; k++)
            connection.onWireMessage(Buffer.from(`[48,${id++},{},"com.bench.echo",[1]]`), false);
          for (const requestId of invocations.splice(0)) {
            callee.receive({ type: 'YIELD', requestId, options: {}, args: [1] });
            calls++;
          }
          flusher.flushNow();
        }
      },
    };
  }
  if (scenario === 'rpc-ws2' || scenario === 'rpc-ws2-msgpack') {
    // Caller and callee both on the WebSocket transport (fake sockets): each call decodes a CALL
    // and a YIELD through onWireMessage and encodes an INVOCATION and a RESULT through the send
    // path and the tick's write, as a routed call through Interchange does, less the syscalls
    // and the frame reader. The bench reads the INVOCATIONs' request IDs from the callee's
    // written frames, and counts the RESULT frames the caller is written.
    const msgpack = scenario === 'rpc-ws2-msgpack';
    const WINDOW = 256;
    const flusher = new mod.TickFlusher();
    const cache = new mod.FrameCachePool().forSubprotocol(msgpack ? 'wamp.2.msgpack' : 'wamp.2.json');
    const invocations = [];
    let results = 0;
    const callee = fakeWebSocket(mod, router, {
      cache,
      flusher,
      port: 9_998,
      onWrite: (chunk) => forEachFrame(chunk, (payload) => invocations.push(invocationId(payload, msgpack))),
    });
    callee.session.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.bench.echo' });
    const caller = fakeWebSocket(mod, router, {
      cache,
      flusher,
      port: 9_999,
      onWrite: (chunk) => forEachFrame(chunk, () => results++),
    });
    flusher.flushNow();
    invocations.length = 0;
    results = 0;
    let id = 1;
    return {
      unit: 'ns per call',
      batch: 64 * WINDOW,
      counted: () => results,
      run(n) {
        for (let i = 0; i < n; i += WINDOW) {
          for (let k = 0; k < WINDOW; k++) caller.connection.onWireMessage(callFrame(id++, msgpack), msgpack);
          flusher.flushNow();
          for (const requestId of invocations.splice(0))
            callee.connection.onWireMessage(yieldFrame(requestId, msgpack), msgpack);
          flusher.flushNow();
        }
      },
    };
  }
  throw new Error(`unknown scenario ${scenario}`);
}

/** Calls `onFrame(payload)` for each unmasked server frame in `chunk` (RFC 6455 section 5.2). */
function forEachFrame(chunk, onFrame) {
  let at = 0;
  while (at < chunk.length) {
    let length = chunk[at + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      length = chunk.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = chunk.readUInt32BE(at + 6);
      header = 10;
    }
    onFrame(chunk.subarray(at + header, at + header + length));
    at += header + length;
  }
}

/** The request ID of an INVOCATION: `[68,ID,...` in JSON; in msgpack after 0x9n 0x44, as msgpack writes a uint. */
function invocationId(payload, msgpack) {
  if (!msgpack) {
    let id = 0;
    for (let i = 4; payload[i] !== 0x2c; i++) id = id * 10 + payload[i] - 0x30;
    return id;
  }
  const tag = payload[2];
  if (tag < 0x80) return tag;
  if (tag === 0xcc) return payload[3];
  if (tag === 0xcd) return payload.readUInt16BE(3);
  if (tag === 0xce) return payload.readUInt32BE(3);
  throw new Error(`unexpected INVOCATION request ID tag ${tag}`);
}

const PROCEDURE_MSGPACK = Buffer.concat([Buffer.from([0xa0 | 14]), Buffer.from('com.bench.echo')]);

/** A CALL of com.bench.echo with args [1], as a client writes it. */
function callFrame(id, msgpack) {
  if (!msgpack) return Buffer.from(`[48,${id},{},"com.bench.echo",[1]]`);
  const head = Buffer.from([0x95, 0x30, 0xce, 0, 0, 0, 0, 0x80]);
  head.writeUInt32BE(id, 3);
  return Buffer.concat([head, PROCEDURE_MSGPACK, Buffer.from([0x91, 0x01])]);
}

/** A YIELD of [1] answering the INVOCATION `id`. */
function yieldFrame(id, msgpack) {
  if (!msgpack) return Buffer.from(`[70,${id},{},[1]]`);
  const frame = Buffer.from([0x94, 0x46, 0xce, 0, 0, 0, 0, 0x80, 0x91, 0x01]);
  frame.writeUInt32BE(id, 3);
  return frame;
}

function cpuNs() {
  const used = process.cpuUsage();
  return (used.user + used.system) * 1000;
}

function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

function summary(list) {
  const sorted = [...list].sort((x, y) => x - y);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0],
  };
}

/** One scenario, both builds, in this process. */
async function measure(bundles, scenario, rounds, reverse = false) {
  // The build set up second is slower at 10,000 subscribers whichever it is (about +90 %, the same
  // build against itself: V8 pretenures the allocation sites the first set-up filled, so the
  // second one's connections land in old space in allocation order; +12 % with
  // --no-allocation-site-pretenuring). So in that scenario every other process sets B up first,
  // and the verdict across processes sees both orders: run an even number of processes.
  const runners = [];
  if (reverse) {
    runners[1] = await setUp(bundles[1], scenario);
    runners[0] = await setUp(bundles[0], scenario);
  } else {
    runners[0] = await setUp(bundles[0], scenario);
    runners[1] = await setUp(bundles[1], scenario);
  }
  const batch = runners[0].batch;
  const once = (runner) => {
    const before = runner.counted();
    const started = cpuNs();
    runner.run(batch);
    return (cpuNs() - started) / (runner.counted() - before);
  };
  for (let w = 0; w < 4; w++) for (const runner of runners) once(runner);
  const samples = [[], []];
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    // Who goes first alternates, so neither always runs right after the other's garbage.
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    const ns = [0, 0];
    for (const i of order) ns[i] = once(runners[i]);
    samples[0].push(ns[0]);
    samples[1].push(ns[1]);
    ratios.push(ns[1] / ns[0]);
  }
  return {
    scenario,
    unit: runners[0].unit,
    a: summary(samples[0]),
    b: summary(samples[1]),
    ratio: summary(ratios),
    bFaster: ratios.filter((r) => r < 1).length,
    rounds,
  };
}

function format(r) {
  const f = (s) => `${s.median.toFixed(1)} (${s.p25.toFixed(1)}–${s.p75.toFixed(1)})`;
  const pct = (x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)} %`;
  return `${r.scenario}: A ${f(r.a)}  B ${f(r.b)} ${r.unit}; B/A median ${pct(r.ratio.median)} (quartiles ${pct(r.ratio.p25)} to ${pct(r.ratio.p75)}), B faster in ${r.bFaster}/${r.rounds}`;
}

const options = parse(process.argv.slice(2));
if (options.child !== undefined) {
  // One scenario per process: a scenario's garbage and JIT state stay out of the next one's.
  const result = await measure([options.a, options.b], options.child, options.rounds, options.reverse === true);
  console.log(JSON.stringify(result));
  process.exit(0);
}
let bundles = [options.a, options.b];
if (options.a === undefined) {
  const outDir = join(root, 'bench', '.build');
  const entry = join(here, 'micro-entry.ts');
  bundles = [
    await buildInterchange(
      options.countingOff
        ? { root, outDir, name: 'hp-a', entry, replace: countingOff(root, options.countingPieces) }
        : {
            root,
            outDir,
            name: 'hp-a',
            entry,
            baselineRef: options.baseline,
            baselineFiles: options.files.length > 0 ? options.files : ['packages/router/src'],
          },
    ),
    await buildInterchange({ root, outDir, name: 'hp-b', entry }),
  ];
}
const results = [];
for (const scenario of options.scenarios) {
  const args = [
    fileURLToPath(import.meta.url),
    '--a',
    bundles[0],
    '--b',
    bundles[1],
    '--rounds',
    String(options.rounds),
  ];
  const runs = [];
  for (let p = 0; p < options.processes; p++) {
    const order = scenario === 'fanout-ws-10k' && p % 2 === 1 ? ['--reverse'] : [];
    const out = execFileSync(process.execPath, [...process.execArgv, ...args, '--child', scenario, ...order], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const result = JSON.parse(out.trim().split('\n').at(-1));
    runs.push(result);
    console.log(`  process ${p + 1}${order.length > 0 ? ' (B set up first)' : ''}: ${format(result)}`);
  }
  // Each process compiles both builds afresh, and V8's choices (inlining, deoptimizations) differ
  // from one process to the next: one process can favour either build throughout. So the verdict
  // is across processes: the median of their paired medians, and in how many B was faster.
  const medians = runs.map((r) => r.ratio.median).sort((x, y) => x - y);
  const verdict = {
    scenario,
    unit: runs[0].unit,
    processes: runs.length,
    a: quantile(
      runs.map((r) => r.a.median).sort((x, y) => x - y),
      0.5,
    ),
    b: quantile(
      runs.map((r) => r.b.median).sort((x, y) => x - y),
      0.5,
    ),
    ratio: quantile(medians, 0.5),
    ratios: medians,
    processesBFaster: runs.filter((r) => r.ratio.median < 1).length,
  };
  results.push({ ...verdict, runs });
  const pct = (x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)} %`;
  console.log(
    `${scenario}: A ${verdict.a.toFixed(1)}, B ${verdict.b.toFixed(1)} ${verdict.unit} (medians of the processes); B/A ${pct(verdict.ratio)} (per process: ${medians.map(pct).join(', ')}); B faster in ${verdict.processesBFaster} of ${runs.length} processes`,
  );
}
if (options.json) console.log(JSON.stringify(results));
if (options.out !== undefined) {
  const meta = {
    ...machine(root),
    baselineRef: options.a === undefined && !options.countingOff ? options.baseline : undefined,
    baselineFiles: options.a === undefined && !options.countingOff ? options.files : undefined,
    countingOff: options.countingOff ? ROUTER_STATS : undefined,
    countingPieces: options.countingPieces,
    rounds: options.rounds,
    processes: options.processes,
    loadAverage: loadavg()[0],
    note: options.note,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ meta, results }, null, 1)}\n`);
  console.log(`results: ${options.out}`);
}

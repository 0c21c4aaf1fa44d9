/**
 * Routed RPC scenarios: callers → router → one callee and back.
 *
 * - `rpcThroughput`: closed loop, `inflight` calls outstanding across the callers; each RESULT
 *   sends the next CALL. Measures calls answered per second.
 * - `rpcLatency`: open loop at a fixed rate, spread evenly in time (a busy loop of `setImmediate`
 *   sending what is due in bursts at most 100 µs apart, not 1 ms timer bursts); latency is
 *   measured from when each call was due, not when it left, so a stalled router is charged for
 *   the calls it delayed (no coordinated omission).
 *
 * The callee answers each INVOCATION with a pre-built YIELD whose request ID is patched in place;
 * answers to one read leave in one write.
 */
import { Histogram } from './histogram.mjs';
import { measureWindow, waitOrFail, watchClients } from './measure.mjs';
import { Code, FrameTemplate, HEAD, headReader, ID_SLOT } from './wire.mjs';
import { openMany, WampRawClient } from './ws-client.mjs';

const PROCEDURE = 'bench.echo';
/**
 * Pacing granularity of the open loop. Latency counts from each call's own due time, so bursts
 * add at most this much (half of it on average) to what is measured, and at 100,000 calls/s the
 * generator writes 10,000 times a second instead of 100,000.
 */
const PACING_QUANTUM_MS = 0.1;
/** Request IDs of caller k start at k * 10^8: wamp-server keys pending calls by request ID alone. */
const CALLER_ID_SPAN = 100_000_000;

/** Connects the callee (registered) and the callers (joined). */
async function setup(job) {
  const { host, port, serializer, realm } = job;
  const make = () => new WampRawClient({ host, port, serializer });
  const callee = make();
  await callee.join(realm);
  await callee.request([Code.REGISTER, 1, {}, PROCEDURE], Code.REGISTERED);
  const callers = await openMany(job.callers, 32, make, (client) => client.join(realm));

  const read = headReader(serializer);
  const yieldFrame = new FrameTemplate(serializer, [Code.YIELD, ID_SLOT, {}, ['pong']]);
  const stats = { invocations: 0, unexpected: 0, lastUnexpected: undefined };
  callee.onFrame = (buf, start, end) => {
    if (read(buf, start, end) === Code.INVOCATION) {
      stats.invocations++;
      callee.queue(yieldFrame, HEAD[1]);
    } else {
      stats.unexpected++;
      stats.lastUnexpected = buf.subarray(start, Math.min(end, start + 120)).toString('latin1');
    }
  };
  const callFrame = new FrameTemplate(serializer, [Code.CALL, ID_SLOT, {}, PROCEDURE, ['ping']]);
  const watch = watchClients([callee, ...callers]);
  const failure = () => {
    if (stats.unexpected > 0) return `unexpected message: ${stats.lastUnexpected}`;
    return watch.failure();
  };
  const close = () => {
    watch.stop();
    for (const client of [callee, ...callers]) client.destroy();
  };
  return { callee, callers, callFrame, read, stats, failure, close };
}

/** Closed-loop throughput with `job.inflight` calls outstanding. */
export async function rpcThroughput(job) {
  const ctx = await setup(job);
  const { callers, callFrame, read, stats } = ctx;
  let answered = 0;
  try {
    callers.forEach((caller, k) => {
      let nextId = k * CALLER_ID_SPAN + 1;
      caller.onFrame = (buf, start, end) => {
        if (read(buf, start, end) !== Code.RESULT) {
          stats.unexpected++;
          stats.lastUnexpected = buf.subarray(start, Math.min(end, start + 120)).toString('latin1');
          return;
        }
        answered++;
        caller.queue(callFrame, nextId++);
      };
      const share = Math.floor(job.inflight / callers.length) + (k < job.inflight % callers.length ? 1 : 0);
      for (let i = 0; i < share; i++) caller.queue(callFrame, nextId++);
      caller.flush();
    });
    const window = await measureWindow({ ...windowOf(job), count: () => answered, failure: ctx.failure });
    return { ...window, unit: 'calls/s', inflight: job.inflight, callers: callers.length };
  } finally {
    ctx.close();
  }
}

/** Request IDs of the closed-loop warm-up, apart from the paced calls' (1, 2, 3...). */
const WARM_UP_IDS = 2 ** 40;
/** Calls in flight during the warm-up: enough to compile the hot path, far from saturation. */
const WARM_UP_INFLIGHT = 32;
/** Open-loop time before measuring, so the window starts in the steady state. */
const SETTLE_MS = 300;

/**
 * Open-loop latency at `job.rate` calls per second. The warm-up is closed-loop (a few calls in
 * flight), so a router still compiling its hot path does not start the measurement with a
 * backlog; then the paced calls run for a moment before the window opens.
 */
export async function rpcLatency(job) {
  const ctx = await setup(job);
  const { callers, callFrame, read, stats } = ctx;
  const ring = 1 << 20;
  const dueAt = new Float64Array(ring);
  let histogram = new Histogram();
  let answered = 0;
  let sent = 0;
  let warming = true;
  let running = true;
  let warmId = WARM_UP_IDS;
  const intervalMs = 1000 / job.rate;
  let start = 0;
  try {
    for (const caller of callers) {
      caller.onFrame = (buf, s, e) => {
        if (read(buf, s, e) !== Code.RESULT) {
          stats.unexpected++;
          stats.lastUnexpected = buf.subarray(s, Math.min(e, s + 120)).toString('latin1');
          return;
        }
        const id = HEAD[1];
        if (id >= WARM_UP_IDS) {
          if (warming) caller.queue(callFrame, warmId++);
          return;
        }
        histogram.record((performance.now() - dueAt[id & (ring - 1)]) * 1000);
        answered++;
      };
    }
    callers.forEach((caller, k) => {
      for (let i = k; i < WARM_UP_INFLIGHT; i += callers.length) caller.queue(callFrame, warmId++);
      caller.flush();
    });
    await waitOrFail(job.warmupMs, ctx.failure);
    warming = false;

    // Calls leave in bursts at most PACING_QUANTUM_MS apart, each burst from the next caller in
    // turn: one write per burst keeps the generator's cost per call far below the router's.
    start = performance.now();
    let burst = 0;
    let nextBurstAt = start;
    const pace = () => {
      if (!running) return;
      const now = performance.now();
      if (now >= nextBurstAt) {
        nextBurstAt = now + PACING_QUANTUM_MS;
        // Call k is due at start + k * interval: the first at once.
        const due = Math.floor((now - start) / intervalMs) + 1;
        if (sent < due) {
          const caller = callers[burst++ % callers.length];
          while (sent < due) {
            const id = sent + 1; // unique across callers: wamp-server keys pending calls by request ID alone
            dueAt[id & (ring - 1)] = start + sent * intervalMs;
            caller.queue(callFrame, id);
            sent++;
          }
          caller.flush();
        }
      }
      setImmediate(pace);
    };
    setImmediate(pace);
    await waitOrFail(SETTLE_MS, ctx.failure);
    histogram = new Histogram();
    const window = await measureWindow({ ...windowOf(job), warmupMs: 0, count: () => answered, failure: ctx.failure });
    running = false;
    const backlog = sent - answered;
    return {
      ...window,
      unit: 'calls/s',
      targetRate: job.rate,
      latencyUs: histogram.summary(),
      histogram: histogram.toJSON(),
      // Calls due but unanswered at the end: more than a few ms worth means the rate was beyond capacity.
      backlog,
      saturated: backlog > Math.max(100, job.rate / 50),
    };
  } finally {
    running = false;
    ctx.close();
  }
}

function windowOf(job) {
  return { warmupMs: job.warmupMs, durationMs: job.durationMs, routerPid: job.routerPid };
}

/**
 * `npm run soak [-- --rounds N --seconds S]`: the fault and soak suite (docs/reliability.md). Starts a node in a child process on 127.0.0.1 and runs rounds of abuse
 * against it while two bystander sessions keep calling and publishing:
 *
 * - churn: sessions over every transport and serializer (WebSocket json/msgpack/cbor, RawSocket
 *   json/msgpack/cbor, long-poll) connect, subscribe, register, call, publish and leave;
 * - kills: callees that vanish (TCP reset) on their INVOCATION, callers that vanish right after
 *   their CALL, sessions dropped mid-handshake;
 * - slow consumers: WebSocket subscribers that stop reading while a publisher floods them;
 * - malformed input: garbage frames, broken WAMP messages, bad RawSocket frames, HTTP junk and
 *   long-poll bodies no client sends.
 *
 * After each round: the bystanders must still be served (a call answered, an event delivered)
 * and the node is measured (heap after a full GC, RSS, open handles, sessions). At the end the
 * node must be alive, back to its two bystander sessions, with heap and handles within a bound of
 * the first round's (the warm-up).
 *
 * Then the leak phase (`--leak-rounds`, `--leak-sessions`; `--leak-only` runs it alone): rounds
 * of sessions that join over WebSocket and RawSocket, subscribe, register, call and leave, with
 * the heap after GC measured after each; the slope of heap against sessions (leak-check.mjs) must
 * stay under LEAK_THRESHOLD bytes a session. `--inject-leak N` makes the node keep N bytes per
 * connection (a test-only hook of node-child.mjs) to show that the check fails.
 *
 * Last, the shutdown phase (`--shutdown-sessions`, 1,000 by default, 0 to skip): that many
 * sessions join (WebSocket json and RawSocket cbor, half each), the node gets SIGTERM, and every
 * session must be closed by the router with GOODBYE `wamp.close.system_shutdown`, and the node
 * must exit 0, within SHUTDOWN_BOUND_MS. `--leak-only` skips it.
 *
 * Bounded in rounds and in time; stops by itself; exits 1 on a failed check. Traffic goes to
 * 127.0.0.1 only.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect } from '../packages/client/dist/index.js';
import { bytesPerSession, leakFailure } from './leak-check.mjs';
import {
  closedWithin,
  post,
  RS_HANDSHAKE_JSON,
  rawWebSocket,
  rsFrame,
  serverTexts,
  tcp,
  wsFrame,
  wsJson,
} from './wire.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = option('rounds', 10);
const SECONDS = option('seconds', 300);
const CHURN = option('churn', 42);
const LEAK_ONLY = args.includes('--leak-only');
const LEAK_ROUNDS = option('leak-rounds', 8);
/**
 * Rounds before the fit: the heap still settles over the first thousand sessions or so (code
 * optimized, pools and caches filled), 0.1 to 0.2 MiB a round of 400, then flattens out.
 */
const LEAK_WARMUP = option('leak-warmup', 3);
const LEAK_SESSIONS = option('leak-sessions', 400);
const INJECT_LEAK = option('inject-leak', 0);
/**
 * Bytes of heap a session may leave behind, at most (the fitted slope, leak-check.mjs). A leak of
 * this size is far smaller than a session's own state (several KiB), so a session kept by
 * mistake shows; the noise of the fit over 2,000 sessions stays well under it.
 */
const LEAK_THRESHOLD = option('leak-threshold', 512);
const SHUTDOWN_SESSIONS = option('shutdown-sessions', 1000);
/** The CLI gives sessions 5 s to answer GOODBYE; the rest is the listeners closing. */
const SHUTDOWN_BOUND_MS = 15_000;
const MiB = 1024 * 1024;
/** How far heap after GC may end above the warm-up round's: caches fill, nothing should climb. */
const HEAP_SLACK = 24 * MiB;
const HANDLE_SLACK = 4;
/** The node's resident memory at every checkpoint stays under this (it is near 120 MiB). */
const RSS_CEILING = 512 * MiB;

const started = Date.now();
const deadline = started + SECONDS * 1000;
const failures = [];
const counts = { sessions: 0, calls: 0, events: 0, killed: 0, slow: 0, slowDropped: 0, malformed: 0, errors: 0 };

const child = fork(new URL('node-child.mjs', import.meta.url), [], {
  execArgv: ['--expose-gc'],
  env: { ...process.env, ...(INJECT_LEAK > 0 ? { SOAK_INJECT_LEAK_BYTES: String(INJECT_LEAK) } : {}) },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
let exited = false;
child.on('exit', (code, signal) => {
  exited = true;
  if (!stopping) failures.push(`the node exited (code ${code}, signal ${signal})`);
});
let stopping = false;
const [{ ports }] = await once(child, 'message');
const wsUrl = `ws://127.0.0.1:${ports.web}/ws`;
const lpUrl = `http://127.0.0.1:${ports.web}/lp`;
const rsUrl = `rs://127.0.0.1:${ports.rawsocket}`;

function measure() {
  child.send('measure');
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message.measure === undefined) return;
      child.off('message', onMessage);
      resolve(message.measure);
    };
    child.on('message', onMessage);
  });
}

const CLIENTS = [
  { url: wsUrl, serializers: ['json'] },
  { url: wsUrl, serializers: ['msgpack'] },
  { url: wsUrl, serializers: ['cbor'] },
  { url: rsUrl, serializers: ['json'] },
  { url: rsUrl, serializers: ['msgpack'] },
  { url: rsUrl, serializers: ['cbor'] },
  { url: lpUrl, serializers: ['json'] },
];

// The bystanders: a callee of soak.echo and soak.slow, a caller subscribed to soak.tick.
const callee = await connect({ url: wsUrl, realm: 'realm1' });
await callee.register('soak.echo', (invocation) => invocation.args[0]);
await callee.register('soak.slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 50)));
const caller = await connect({ url: rsUrl, realm: 'realm1', serializers: ['cbor'] });
let ticks = 0;
await caller.subscribe('soak.tick', () => {
  ticks++;
});

async function bystandersServed(round) {
  try {
    const result = await caller.call('soak.echo', [round], { timeout: 10_000 });
    if (result.args[0] !== round) failures.push(`round ${round}: the bystander's call returned ${result.args[0]}`);
    const before = ticks;
    await callee.publish('soak.tick', [round], { acknowledge: true });
    const until = Date.now() + 10_000;
    while (ticks === before && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    if (ticks === before) failures.push(`round ${round}: the bystander got no event`);
  } catch (error) {
    failures.push(`round ${round}: a bystander was not served: ${error.message}`);
  }
}

/** Sessions over every transport: subscribe, register, call each other, publish, leave. */
async function churn(round) {
  const sessions = await Promise.all(
    Array.from({ length: CHURN }, (_, i) =>
      connect({ ...CLIENTS[i % CLIENTS.length], realm: 'realm1' }).catch(() => {
        counts.errors++;
        return undefined;
      }),
    ),
  );
  const open = sessions.filter((s) => s !== undefined);
  counts.sessions += open.length;
  await Promise.all(
    open.map(async (session, i) => {
      try {
        await session.subscribe(`soak.churn.${round}`, () => {
          counts.events++;
        });
        await session.register(`soak.churn.${round}.${i}`, (invocation) => [i, invocation.args]);
      } catch {
        counts.errors++;
      }
    }),
  );
  await Promise.all(
    open.map(async (session, i) => {
      try {
        await session.call(`soak.churn.${round}.${(i + 1) % open.length}`, [round, 'x'.repeat(i * 50)], {
          timeout: 10_000,
        });
        await session.call('soak.echo', [i], { timeout: 10_000 });
        counts.calls += 2;
        await session.publish(`soak.churn.${round}`, [i, { nested: [1, 2, 3] }], { acknowledge: true });
      } catch {
        counts.errors++;
      }
    }),
  );
  await Promise.all(open.map((session) => session.leave().catch(() => counts.errors++)));
}

/** Callees reset on their INVOCATION, callers reset right after their CALL, HELLOs cut short. */
async function kills(round) {
  const work = [];
  for (let i = 0; i < 8; i++) {
    work.push(
      (async () => {
        const socket = await rawWebSocket(ports.web);
        socket.write(wsJson([1, 'realm1', { roles: { callee: {} } }]));
        socket.write(wsJson([64, 1, {}, `soak.kill.${round}.${i}`]));
        let bytes = Buffer.alloc(0);
        socket.on('data', (chunk) => {
          bytes = Buffer.concat([bytes, chunk]);
          if (serverTexts(bytes).some((text) => text.startsWith('[68,'))) socket.resetAndDestroy();
        });
        const registered = Date.now() + 5000;
        while (!serverTexts(bytes).some((t) => t.startsWith('[65,')) && Date.now() < registered && !socket.destroyed)
          await new Promise((resolve) => setTimeout(resolve, 5));
        // The bystander calls the doomed callee: the call must end (with an error), not hang.
        const outcome = await caller.call(`soak.kill.${round}.${i}`, [], { timeout: 10_000 }).then(
          () => 'result',
          (error) => error.uri ?? error.message,
        );
        if (outcome === 'result' || /timeout/i.test(outcome))
          failures.push(`round ${round}: a call to a killed callee: ${outcome}`);
        counts.killed++;
      })(),
    );
    work.push(
      (async () => {
        const socket = await rawWebSocket(ports.web);
        socket.write(wsJson([1, 'realm1', { roles: { caller: {} } }]));
        socket.write(wsJson([48, 1, {}, 'soak.slow', []]));
        await new Promise((resolve) => setTimeout(resolve, 5));
        socket.resetAndDestroy();
        counts.killed++;
      })(),
    );
    work.push(
      (async () => {
        const socket = await tcp(ports.rawsocket);
        socket.write(Buffer.concat([RS_HANDSHAKE_JSON, rsFrame(0, '[1,"realm1",{"roles":{"subs')]));
        socket.resetAndDestroy();
        counts.killed++;
      })(),
    );
  }
  await Promise.all(work.map((p) => p.catch(() => counts.errors++)));
}

/** WebSocket subscribers that stop reading while 32 MiB of events go to each. */
async function slowConsumers(round) {
  const topic = `soak.flood.${round}`;
  const sockets = await Promise.all(
    Array.from({ length: 3 }, async () => {
      const socket = await rawWebSocket(ports.web);
      socket.write(wsJson([1, 'realm1', { roles: { subscriber: {} } }]));
      socket.write(wsJson([32, 1, {}, topic]));
      // Read until SUBSCRIBED, then stop reading.
      let bytes = Buffer.alloc(0);
      await new Promise((resolve, reject) => {
        const onData = (chunk) => {
          bytes = Buffer.concat([bytes, chunk]);
          if (serverTexts(bytes).some((text) => text.startsWith('[33,'))) {
            socket.off('data', onData);
            socket.pause();
            resolve();
          }
        };
        socket.on('data', onData);
        socket.once('close', () => reject(new Error('closed before SUBSCRIBED')));
      });
      return socket;
    }),
  );
  const publisher = await connect({ url: wsUrl, realm: 'realm1', serializers: ['msgpack'] });
  // More than the kernel's socket buffers on loopback take, so that the node's queue fills.
  const payload = 'e'.repeat(32 * 1024);
  for (let i = 0; i < 1024; i++) publisher.publish(topic, [i, payload]);
  await publisher.publish(topic, ['last'], { acknowledge: true });
  await publisher.leave();
  // Each was past outbound_limit (256 KiB): the node must have dropped it. The socket is read
  // again so that the close arrives (its buffered bytes are discarded).
  for (const socket of sockets) {
    socket.on('data', () => {});
    socket.resume();
    counts.slow++;
    if (await closedWithin(socket, 10_000)) counts.slowDropped++;
    else {
      failures.push(`round ${round}: a subscriber that did not read was not dropped`);
      socket.destroy();
    }
  }
}

/** Input no client should send, on every transport. */
async function malformed(round) {
  const garbage = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + round * 17) & 0xff));
  const cases = [
    async () => (await rawWebSocket(ports.web)).end(wsFrame(0x2, garbage(300))),
    async () => (await rawWebSocket(ports.web)).end(wsFrame(0x1, '[1, "realm1", {"roles": {')),
    async () =>
      (await rawWebSocket(ports.web)).end(
        Buffer.concat([wsJson([1, 'realm1', { roles: { caller: {} } }]), wsJson([48, 'x', {}, 7])]),
      ),
    async () =>
      (await rawWebSocket(ports.web)).end(
        Buffer.concat([wsJson([1, 'realm1', { roles: { caller: {} } }]), wsFrame(0x1, Buffer.from([0xff, 0xfe]))]),
      ),
    async () =>
      (await rawWebSocket(ports.web)).end(Buffer.concat([wsFrame(0x9, 'p'), Buffer.from([0x8f, 0x80, 1, 2, 3, 4])])),
    async () => (await rawWebSocket(ports.web)).end(wsFrame(0x0, 'continuation')),
    async () => (await tcp(ports.web)).end(garbage(2000)),
    async () =>
      (await tcp(ports.web)).end(
        'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n',
      ),
    async () => (await tcp(ports.rawsocket)).end(garbage(64)),
    async () =>
      (await tcp(ports.rawsocket)).end(Buffer.concat([RS_HANDSHAKE_JSON, Buffer.from([0xf0, 0, 0, 4]), garbage(4)])),
    async () => (await tcp(ports.rawsocket)).end(Buffer.concat([RS_HANDSHAKE_JSON, rsFrame(0, 'not json')])),
    async () =>
      (await tcp(ports.rawsocket)).end(
        Buffer.concat([RS_HANDSHAKE_JSON, rsFrame(0, '[1,"realm1",{"roles":{}}]'), rsFrame(0, '[999]')]),
      ),
    async () => post(`${lpUrl}/open`, garbage(100)),
    async () => post(`${lpUrl}/open`, '{"protocols": "wamp.2.json"}'),
    async () => post(`${lpUrl}/nosuchtransport/send`, '[1,"realm1",{}]'),
    async () => {
      const status = await post(`${lpUrl}/open`, '{"protocols": ["wamp.2.json"]}');
      if (status !== 200) failures.push(`round ${round}: a well-formed long-poll open got ${status}`);
    },
  ];
  await Promise.all(
    cases.map((run) =>
      run().then(
        () => counts.malformed++,
        () => counts.errors++,
      ),
    ),
  );
}

/** Waits until only the two bystanders are left, then measures. */
async function measureSettled() {
  let point = await measure();
  for (let i = 0; i < 100 && point.sessions > 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    point = await measure();
  }
  return point;
}

/**
 * The leak phase: LEAK_SESSIONS sessions a round (WebSocket json and RawSocket cbor, 50 at a
 * time), each subscribing and registering (URIs reused from batch to batch, so that the router's
 * bounded caches of URIs and decisions do not pass for a leak), calling the bystander and leaving; the heap
 * after GC after each round. The LEAK_WARMUP rounds first are measured but not fitted.
 */
async function leakPhase() {
  const points = [];
  let sessions = 0;
  for (let round = 1 - LEAK_WARMUP; round <= LEAK_ROUNDS && !exited; round++) {
    for (let batch = 0; batch < LEAK_SESSIONS / 50; batch++) {
      const open = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          connect({ ...CLIENTS[i % 2 === 0 ? 0 : 5], realm: 'realm1' }).catch(() => {
            counts.errors++;
            return undefined;
          }),
        ),
      );
      const joined = open.filter((s) => s !== undefined);
      sessions += joined.length;
      await Promise.all(
        joined.map(async (session, i) => {
          try {
            await session.subscribe(`soak.leak.${i}`, () => {});
            await session.register(`soak.leak.${i}`, () => i);
            await session.call('soak.echo', [i], { timeout: 10_000 });
          } catch {
            counts.errors++;
          }
        }),
      );
      await Promise.all(joined.map((session) => session.leave().catch(() => counts.errors++)));
    }
    const point = await measureSettled();
    if (round > 0) points.push({ sessions, heapUsed: point.heapUsed });
    console.log(`leak round ${round}: ${sessions} sessions so far, heap ${(point.heapUsed / MiB).toFixed(2)} MiB`);
  }
  if (points.length < 2) {
    failures.push('the leak phase ran fewer than two measured rounds');
    return undefined;
  }
  const failure = leakFailure(points, LEAK_THRESHOLD);
  if (failure !== undefined) failures.push(`per-session leak: ${failure}`);
  return bytesPerSession(points);
}

/**
 * SIGTERM with many sessions joined: each must hear GOODBYE wamp.close.system_shutdown from the
 * router, and the node must exit 0, within SHUTDOWN_BOUND_MS. Joins 50 at a time.
 */
async function shutdownPhase() {
  const sessions = [];
  for (let i = 0; i < SHUTDOWN_SESSIONS; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(i + 50, SHUTDOWN_SESSIONS); j++) {
      const options = j % 2 === 0 ? { url: wsUrl } : { url: rsUrl, serializers: ['cbor'] };
      batch.push(connect({ ...options, realm: 'realm1' }));
    }
    sessions.push(...(await Promise.all(batch)));
  }
  const closes = sessions.map((session) => session.closed);
  const t0 = Date.now();
  stopping = true;
  child.kill('SIGTERM');
  const bound = new Promise((resolve) => setTimeout(() => resolve('timeout'), SHUTDOWN_BOUND_MS).unref());
  const [code] = await Promise.race([once(child, 'exit'), bound.then(() => ['timeout'])]);
  const infos = await Promise.race([Promise.all(closes), bound.then(() => [])]);
  const ms = Date.now() - t0;
  const goodbyes = infos.filter(
    (info) => info.kind === 'goodbye' && info.initiator === 'router' && info.reason === 'wamp.close.system_shutdown',
  ).length;
  if (code !== 0) failures.push(`shutdown: the node's exit after SIGTERM was ${code}, expected 0`);
  if (goodbyes !== sessions.length)
    failures.push(`shutdown: ${goodbyes} of ${sessions.length} sessions got GOODBYE wamp.close.system_shutdown`);
  console.log(`shutdown: SIGTERM with ${sessions.length} sessions: ${goodbyes} GOODBYEs, exit ${code}, ${ms} ms`);
  return { sessions: sessions.length, goodbyes, code, ms };
}

const initial = await measure();
const checkpoints = [];
let rounds = 0;
for (let round = 1; round <= (LEAK_ONLY ? 0 : ROUNDS) && Date.now() < deadline && !exited; round++) {
  const t0 = Date.now();
  await churn(round);
  await kills(round);
  await slowConsumers(round);
  await malformed(round);
  await bystandersServed(round);
  // Sessions end asynchronously once their sockets close: wait for the bystanders alone.
  const point = await measureSettled();
  checkpoints.push({ round, ms: Date.now() - t0, ...point });
  rounds = round;
  console.log(
    `round ${round}: ${Date.now() - t0} ms, heap ${(point.heapUsed / MiB).toFixed(1)} MiB, rss ${(point.rss / MiB).toFixed(1)} MiB, handles ${point.handles} (${point.kinds}), sessions ${point.sessions}`,
  );
}

const perSession = exited ? undefined : await leakPhase();

// What a round leaves behind for a while by design (long-poll transports linger 10 s after they
// close, an unused one lives for its session_timeout; HTTP keep-alive sockets idle for 5 s) must
// be gone within a minute: then the handles are back where they were before the first round.
let settled;
if (!exited) {
  settled = await measure();
  const until = Date.now() + 60_000;
  while (settled.handles > initial.handles + HANDLE_SLACK && Date.now() < until && !exited) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    settled = await measure();
  }
  console.log(
    `settled after ${((Date.now() - until + 60_000) / 1000).toFixed(0)} s: heap ${(settled.heapUsed / MiB).toFixed(1)} MiB, handles ${settled.handles} (${settled.kinds}), sessions ${settled.sessions}`,
  );
  const base = checkpoints[0];
  if (LEAK_ONLY) {
    // The leak phase alone: its own check is the verdict.
  } else if (rounds < 2) failures.push(`only ${rounds} round(s) ran in ${SECONDS} s: nothing to compare`);
  else if (settled.heapUsed > base.heapUsed + HEAP_SLACK)
    failures.push(
      `heap after GC grew from ${(base.heapUsed / MiB).toFixed(1)} to ${(settled.heapUsed / MiB).toFixed(1)} MiB`,
    );
  if (settled.handles > initial.handles + HANDLE_SLACK)
    failures.push(
      `open handles: ${initial.handles} before the first round, ${settled.handles} a minute after the last`,
    );
  for (const point of checkpoints) {
    if (point.rss > RSS_CEILING)
      failures.push(`round ${point.round}: RSS ${(point.rss / MiB).toFixed(0)} MiB, over ${RSS_CEILING / MiB} MiB`);
  }
  if (settled.sessions !== 2) failures.push(`${settled.sessions} sessions left, expected the 2 bystanders`);
}
await caller.leave().catch(() => {});
await callee.leave().catch(() => {});
const shutdown = exited || LEAK_ONLY || SHUTDOWN_SESSIONS === 0 ? undefined : await shutdownPhase();
stopping = true;
if (!exited) {
  child.send('stop');
  await once(child, 'exit');
}

const peak = checkpoints.length > 0 ? Math.max(...checkpoints.map((c) => c.rss)) : Number.NaN;
console.log(
  `\nsoak: ${rounds} rounds in ${((Date.now() - started) / 1000).toFixed(0)} s; ${counts.sessions} sessions churned, ` +
    `${counts.calls} calls, ${counts.events} events, ${counts.killed} clients killed, ${counts.slowDropped}/${counts.slow} ` +
    `slow consumers dropped, ${counts.malformed} malformed inputs, ${counts.errors} client-side errors (expected: ` +
    `peers the node dropped); heap after GC ${(checkpoints[0]?.heapUsed / MiB).toFixed(1)} -> ${(settled?.heapUsed / MiB).toFixed(1)} MiB ` +
    `(bound +${HEAP_SLACK / MiB}), peak RSS ${(peak / MiB).toFixed(1)} MiB (ceiling ${RSS_CEILING / MiB}), handles ${initial.handles} before, ${settled?.handles} after; ` +
    `leak phase: ${perSession === undefined ? 'not run' : `${perSession.toFixed(0)} bytes per session`} (bound ${LEAK_THRESHOLD}); ` +
    `shutdown: ${shutdown === undefined ? 'not run' : `${shutdown.goodbyes}/${shutdown.sessions} GOODBYEs, exit ${shutdown.code}, ${shutdown.ms} ms`}`,
);
if (failures.length > 0) {
  console.log(`FAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('soak: passed');
process.exit(0);

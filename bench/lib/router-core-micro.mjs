#!/usr/bin/env node
/**
 * The router core alone, without sockets: sessions on in-memory peers of one router, driven in a
 * loop, timed per call (`rpc`: CALL → INVOCATION → YIELD → RESULT, each call answered before the
 * next; `rpc-window`: 256 calls in flight, the callee answering them together, as under load
 * through sockets) or per delivery (`fanout`: one PUBLISH to 100 subscribers). Run by counting-cost.mjs on a bundle run.mjs built, one process
 * per measurement, printing one JSON line: `{"ns": <CPU nanoseconds per call or delivery>}`.
 *
 *   node bench/lib/router-core-micro.mjs bench/.build/interchange.mjs rpc|rpc-window|fanout
 */
const [bundle, scenario] = process.argv.slice(2);
const { InterchangeNode } = await import(bundle);
const node = await InterchangeNode.start({
  cbdir: process.cwd(),
  config: { version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports: [] }] },
});
const router = node.routers[0];
const ROLES = { subscriber: {}, publisher: {}, caller: {}, callee: {} };

function join(onMessage) {
  const peer = { info: { type: 'memory', serializer: 'json', peer: 'memory:bench' }, send: onMessage, close() {} };
  const connection = router.connect(peer);
  connection.receive({ type: 'HELLO', realm: 'realm1', details: { roles: ROLES } });
  return connection;
}

/**
 * Nanoseconds of this process's CPU time per counted unit: on a shared machine the wall clock
 * also counts the time other processes had the core, CPU time only this one's (GC included).
 */
function timed(run, warmup, measured, counted) {
  run(warmup);
  const started = process.cpuUsage();
  const before = counted();
  run(measured);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / (counted() - before);
}

let ns;
if (scenario === 'fanout') {
  let delivered = 0;
  for (let i = 0; i < 100; i++) {
    join(() => {
      delivered++;
    }).receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.bench.topic' });
  }
  const publisher = join(() => {});
  const publish = { type: 'PUBLISH', requestId: 1, options: {}, topic: 'com.bench.topic', args: [1] };
  ns = timed(
    (n) => {
      for (let i = 0; i < n; i++) publisher.receive(publish);
    },
    20_000,
    100_000,
    () => delivered,
  );
} else if (scenario === 'rpc-window') {
  // Calls stay pending while others arrive, so the dealer's tables hold a window of calls, not one.
  const WINDOW = 256;
  let results = 0;
  const invocations = [];
  const callee = join((m) => {
    if (m.type === 'INVOCATION') invocations.push(m.requestId);
  });
  callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.bench.echo' });
  const caller = join((m) => {
    if (m.type === 'RESULT') results++;
  });
  let id = 1;
  ns = timed(
    (n) => {
      for (let i = 0; i < n; i += WINDOW) {
        for (let k = 0; k < WINDOW; k++)
          caller.receive({ type: 'CALL', requestId: id++, options: {}, procedure: 'com.bench.echo', args: [1] });
        for (const requestId of invocations.splice(0))
          callee.receive({ type: 'YIELD', requestId, options: {}, args: [1] });
      }
    },
    50_000,
    300_000,
    () => results,
  );
} else {
  let results = 0;
  const callee = join((m) => {
    if (m.type === 'INVOCATION') callee.receive({ type: 'YIELD', requestId: m.requestId, options: {}, args: [1] });
  });
  callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.bench.echo' });
  const caller = join((m) => {
    if (m.type === 'RESULT') results++;
  });
  let id = 1;
  ns = timed(
    (n) => {
      for (let i = 0; i < n; i++)
        caller.receive({ type: 'CALL', requestId: id++, options: {}, procedure: 'com.bench.echo', args: [1] });
    },
    50_000,
    300_000,
    () => results,
  );
}
console.log(JSON.stringify({ ns }));
await node.stop({ timeoutMs: 10 });
process.exit(0);

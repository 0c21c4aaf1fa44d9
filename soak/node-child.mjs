/**
 * The node under soak (soak/run.mjs starts this file in a child process with --expose-gc): one
 * router worker with realm1 open to anonymous sessions, a web transport (WebSocket on `/ws`,
 * long-poll on `/lp`) and a RawSocket transport, on 127.0.0.1 ports of the system's choosing, with
 * a small `outbound_limit` so that slow consumers meet it. It answers the parent's messages:
 * `measure` (heap after a full GC, RSS, open handles), `stop`; SIGTERM stops it as the CLI does.
 *
 * Test-only hook: with SOAK_INJECT_LEAK_BYTES=N in its environment, every connection made to a
 * router keeps about N bytes of heap for good, a deliberate per-session leak that the soak's
 * leak check must report (test/soak/leak-check.test.ts). The soak itself never sets it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterchangeNode } from '../packages/server/dist/index.js';

const OUTBOUND_LIMIT = 256 * 1024;
const endpoint = { type: 'tcp', port: 0, interface: '127.0.0.1' };
const config = {
  version: 2,
  workers: [
    {
      type: 'router',
      realms: [
        {
          name: 'realm1',
          roles: [
            {
              name: 'anonymous',
              permissions: [
                {
                  uri: '',
                  match: 'prefix',
                  allow: { call: true, register: true, publish: true, subscribe: true },
                },
              ],
            },
          ],
        },
      ],
      transports: [
        {
          type: 'web',
          endpoint,
          paths: {
            ws: {
              type: 'websocket',
              serializers: ['json', 'msgpack', 'cbor'],
              options: { outbound_limit: OUTBOUND_LIMIT },
            },
            // Unused long-poll transports go after 5 s (30 s by default), so that the soak settles sooner.
            lp: { type: 'longpoll', options: { session_timeout: 5 } },
          },
        },
        {
          type: 'rawsocket',
          endpoint,
          serializers: ['json', 'msgpack', 'cbor'],
          options: { outbound_limit: OUTBOUND_LIMIT },
        },
      ],
    },
  ],
};

const node = await InterchangeNode.start({ config, cbdir: mkdtempSync(join(tmpdir(), 'interchange-soak-')) });

const leakBytes = Number(process.env.SOAK_INJECT_LEAK_BYTES ?? 0);
if (leakBytes > 0) {
  const leaked = [];
  for (const router of node.routers) {
    const connect = router.connect.bind(router);
    router.connect = (peer, options) => {
      // An array of small integers: 8 bytes an element on the heap, never freed.
      leaked.push(new Array(Math.ceil(leakBytes / 8)).fill(leaked.length & 0xff));
      return connect(peer, options);
    };
  }
}

/** `TCPSocketWrap 3, Timeout 5`: what keeps the process alive, by kind. */
function kindsOf(resources) {
  const counts = new Map();
  for (const kind of resources) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
}

function measure() {
  globalThis.gc();
  globalThis.gc();
  const memory = process.memoryUsage();
  return {
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    external: memory.external,
    handles: process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length,
    kinds: kindsOf(process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap')),
    sessions: node.routers.reduce((n, router) => n + router.sessionCount, 0),
  };
}

// SIGTERM stops the node as `interchange start` does (packages/server/src/cli/run-cli.ts): every
// session gets GOODBYE wamp.close.system_shutdown, then the listeners close; the soak's shutdown
// phase counts what its sessions saw and the exit code.
process.once('SIGTERM', async () => {
  await node.stop();
  process.exit(0);
});

process.on('message', async (message) => {
  if (message === 'measure') process.send({ measure: measure() });
  if (message === 'stop') {
    await node.stop({ timeoutMs: 2000 });
    process.exit(0);
  }
});
process.send({ ports: { web: node.addresses[0].port, rawsocket: node.addresses[1].port } });

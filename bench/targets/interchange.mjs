/**
 * Launches Interchange from a bundle run.mjs built (the working tree, or the baseline with the
 * transport files of an earlier commit): one realm open to anonymous sessions, one WebSocket
 * transport with every serializer, a silent logger. With `--store memory|lmdb|lmdb-nosync` the realm has a
 * store with an event history on the durable-publish scenario's topics; an lmdb store lives in
 * a temporary directory removed when the launcher exits. With `--mqtt true` a second transport,
 * MQTT over TCP, carries the mqtt scenario's topics: `bench.native` mapped natively (JSON), the
 * rest passed through (lib/scenario-mqtt.mjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlChannel, launcherArgs } from './control.mjs';

/** The realm `store` block for `--store`, or undefined. */
function storeOf(kind) {
  if (kind === undefined) return undefined;
  const history = [{ uri: 'bench.durable.', match: 'prefix', limit: 1000 }];
  if (kind === 'memory') return { type: 'memory', 'event-history': history };
  if (kind !== 'lmdb' && kind !== 'lmdb-nosync') throw new Error(`unknown store ${kind}`);
  const path = mkdtempSync(join(tmpdir(), 'interchange-bench-store-'));
  process.on('exit', () => rmSync(path, { recursive: true, force: true }));
  return { type: 'lmdb', path, maxsize: 2 ** 30, sync: kind === 'lmdb', 'event-history': history };
}

/**
 * The node config. `raised` lifts the per-session and per-address bounds the hardening work added;
 * a baseline built from a commit before them knows neither key (and has no such bounds).
 */
function configOf(store, raised, mqtt) {
  return {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: args.realm,
            ...(store === undefined ? {} : { store }),
            ...(raised ? { limits: RAISED_LIMITS } : {}),
            roles: [
              {
                name: 'anonymous',
                permissions: [
                  { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
                ],
              },
            ],
          },
        ],
        transports: [
          {
            type: 'websocket',
            endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1', ...(raised ? RAISED_ENDPOINT : {}) },
            serializers: ['json', 'msgpack', 'cbor'],
          },
          ...(mqtt ? [mqttTransport(raised)] : []),
        ],
      },
    ],
  };
}

/** The MQTT transport of the mqtt scenario: its payload mappings by topic, Crossbar's config shape. */
function mqttTransport(raised) {
  return {
    type: 'mqtt',
    endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1', ...(raised ? RAISED_ENDPOINT : {}) },
    options: {
      realm: args.realm,
      payload_mapping: { '': { type: 'passthrough' }, 'bench.native': { type: 'native', serializer: 'json' } },
    },
  };
}

// One load generator speaks for many callers: 256 calls in flight per session, and at a rate
// beyond the router's, a backlog past the defaults (1,000 a caller, 10,000 a callee).
const RAISED_LIMITS = { pending_calls_per_session: 1_000_000, pending_calls_per_callee: 1_000_000 };
// Every bench session comes from 127.0.0.1: up to 10,000 subscribers and their publisher.
const RAISED_ENDPOINT = { max_connections_per_address: 100_000 };

const args = launcherArgs();
const control = controlChannel();
try {
  const { InterchangeNode } = await import(args.bundle);
  const store = storeOf(args.store);
  const mqtt = args.mqtt === 'true';
  let node;
  try {
    node = await InterchangeNode.start({ config: configOf(store, true, mqtt), cbdir: process.cwd() });
  } catch (error) {
    if (!/limits|max_connections_per_address/.test(String(error?.message))) throw error;
    node = await InterchangeNode.start({ config: configOf(store, false, mqtt), cbdir: process.cwd() });
  }
  control.ready(node.addresses[0].port, mqtt ? { mqttPort: node.addresses[1].port } : {});
} catch (error) {
  control.fail(error);
}

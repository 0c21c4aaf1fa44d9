/**
 * Starts a real Interchange node for end-to-end tests: one router worker, realm `realm1`
 * open to the anonymous role, one WebSocket transport on 127.0.0.1 port 0. Its cbdir is a fresh
 * temporary directory, removed on stop, so nothing the node writes lands in the working tree.
 */
import type { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll } from 'vitest';
import { LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from './config-node.js';

export interface TestNode {
  /** `ws://127.0.0.1:PORT/ws`. */
  url: string;
  port: number;
  node: InterchangeNode;
  stop(): Promise<void>;
}

export interface TestNodeOptions {
  realm?: string;
  /** WebSocket transport `options.max_message_size` in bytes. */
  maxMessageSize?: number;
  /** The WebSocket transport's `serializers`; json, msgpack and cbor when absent. */
  serializers?: string[];
}

export async function startTestNode(options: TestNodeOptions = {}): Promise<TestNode> {
  const config = routerConfig(
    [openRealm(options.realm)],
    [
      {
        type: 'websocket',
        endpoint: LOCAL_ENDPOINT,
        serializers: options.serializers ?? ['json', 'msgpack', 'cbor'],
        ...(options.maxMessageSize === undefined ? {} : { options: { max_message_size: options.maxMessageSize } }),
      },
    ],
  );
  const { node, port, stop } = await startConfigNode(config, { prefix: 'test-node' });
  return { url: `ws://127.0.0.1:${port}/ws`, port, node, stop };
}

/**
 * A test node started before the tests of the enclosing `describe` (or file) and stopped after
 * them: reading a property before the tests run throws.
 */
export function useTestNode(options: TestNodeOptions = {}): TestNode {
  let started: TestNode | undefined;
  beforeAll(async () => {
    started = await startTestNode(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const node = (): TestNode => {
    if (started === undefined) throw new Error('the test node has not started yet');
    return started;
  };
  return {
    get url() {
      return node().url;
    },
    get port() {
      return node().port;
    },
    get node() {
      return node().node;
    },
    stop: () => node().stop(),
  };
}

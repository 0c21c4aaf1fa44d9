/**
 * Starts a real Interchange node for end-to-end tests: one router worker, realm `realm1`
 * open to the anonymous role, one WebSocket transport on 127.0.0.1 port 0. Its cbdir is a fresh
 * temporary directory, removed on stop, so nothing the node writes lands in the working tree.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterchangeNode } from '@interchange/server';

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
  const realm = options.realm ?? 'realm1';
  const config = {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: realm,
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
            type: 'websocket',
            endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
            serializers: options.serializers ?? ['json', 'msgpack', 'cbor'],
            ...(options.maxMessageSize === undefined ? {} : { options: { max_message_size: options.maxMessageSize } }),
          },
        ],
      },
    ],
  };
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-test-node-'));
  const removeCbdir = (): Promise<void> => rm(cbdir, { recursive: true, force: true });
  let node: InterchangeNode;
  try {
    node = await InterchangeNode.start({ config, cbdir });
  } catch (error) {
    await removeCbdir();
    throw error;
  }
  const stop = async (): Promise<void> => {
    try {
      await node.stop();
    } finally {
      await removeCbdir();
    }
  };
  const port = node.addresses[0]?.port;
  if (port === undefined) {
    await stop();
    throw new Error('the test node bound no port');
  }
  return { url: `ws://127.0.0.1:${port}/ws`, port, node, stop };
}

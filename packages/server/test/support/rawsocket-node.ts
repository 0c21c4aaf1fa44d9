/**
 * The node most hardening tests mount their peers against: one router worker, realm1, a single
 * RawSocket transport on 127.0.0.1, started before the tests of the file and stopped after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

/** Registers the hooks; the returned target's port is the node's once the tests run. */
export function useRawSocketNode(): { readonly port: number } {
  let node: InterchangeNode | undefined;
  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: workerConfig([{ type: 'rawsocket', endpoint: LOCAL_ENDPOINT }]),
      cbdir: await tempDir(),
    });
  });
  afterAll(async () => {
    await node?.stop({ timeoutMs: 500 });
  });
  return {
    get port(): number {
      const port = node?.addresses[0]?.port;
      if (port === undefined) throw new Error('the node has not started yet');
      return port;
    },
  };
}

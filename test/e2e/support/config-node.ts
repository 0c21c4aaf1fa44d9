/**
 * A node started in-process from a config a test writes in Crossbar's format, in a fresh
 * temporary cbdir that is removed on stop, and the pieces of config most of those tests share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterchangeNode } from '@interchange/server';

/** Every action a role can be allowed. */
export const ALLOW_ALL = { call: true, register: true, publish: true, subscribe: true } as const;

/** Realm `name` whose anonymous role may do everything on every URI. */
export function openRealm(name = 'realm1') {
  return {
    name,
    roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALLOW_ALL }] }],
  };
}

/** A node config of one router worker with these realms and transports. */
export function routerConfig(realms: unknown[], transports: unknown[]) {
  return { version: 2, workers: [{ type: 'router', realms, transports }] };
}

/** The endpoint of a transport on a port the system picks, on 127.0.0.1 only. */
export const LOCAL_ENDPOINT = { type: 'tcp', port: 0, interface: '127.0.0.1' } as const;

export interface ConfigNode {
  node: InterchangeNode;
  cbdir: string;
  /** The port of the node's first transport. */
  port: number;
  /** Stops the node and removes its cbdir. */
  stop(): Promise<void>;
}

/**
 * Starts a node from `config` in a new temporary directory named after `prefix`; `prepare`
 * writes files there first (pages a static path serves). The directory is removed when the start
 * fails and on stop.
 */
export async function startConfigNode(
  config: unknown,
  options: { prefix?: string; prepare?: (cbdir: string) => Promise<void> } = {},
): Promise<ConfigNode> {
  const cbdir = await mkdtemp(join(tmpdir(), `interchange-${options.prefix ?? 'node'}-`));
  const removeCbdir = (): Promise<void> => rm(cbdir, { recursive: true, force: true });
  let node: InterchangeNode;
  try {
    await options.prepare?.(cbdir);
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
    throw new Error('the node bound no port');
  }
  return { node, cbdir, port, stop };
}

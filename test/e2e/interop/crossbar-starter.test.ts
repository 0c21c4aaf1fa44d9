/**
 * Crossbar's starter node (what `crossbar init` writes, fixtures/crossbar-starter) moves over
 * unchanged: `interchange check` passes it, the node starts from it, and Autobahn|JS and
 * Autobahn|Python work through its WebSocket path (permessage-deflate, auto-fragmentation,
 * auto-ping and the rest of its options) and its RawSocket transport.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InterchangeNode, runCli } from '@interchange/server';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { expectBasicScenario, runPythonClient } from '../support/python-interop.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const cbdir = fileURLToPath(new URL('../fixtures/crossbar-starter/.crossbar', import.meta.url));

describe("Crossbar's starter config", () => {
  let node: InterchangeNode;
  let wsUrl: string;
  let rawPort: number;

  beforeAll(async () => {
    const config = JSON.parse(await readFile(`${cbdir}/config.json`, 'utf8'));
    // The config's ports (8080, 8081) may be taken; everything else stays as Crossbar wrote it.
    for (const transport of config.workers[0].transports) {
      transport.endpoint.port = 0;
      transport.endpoint.interface = '127.0.0.1';
    }
    node = await InterchangeNode.start({ config, cbdir });
    rawPort = node.addresses[0]!.port;
    wsUrl = node.addresses[1]!.websocketUrls[0]!;
  });

  afterAll(async () => {
    await node?.stop({ timeoutMs: 500 });
  });

  it('passes interchange check', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['check', '--cbdir', cbdir], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      waitForStop: () => Promise.reject(new Error('not started')),
    });
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });

  it('serves Autobahn|JS with permessage-deflate, and a result larger than auto_fragment_size arrives whole', async () => {
    const probe = new WebSocket(wsUrl, 'wamp.2.json');
    await new Promise((resolve, reject) => probe.once('open', resolve).once('error', reject));
    expect(probe.extensions).toBe('permessage-deflate');
    probe.close();

    const session = await new Promise<autobahn.Session>((resolve, reject) => {
      const connection = new autobahn.Connection({
        url: wsUrl,
        realm: 'realm1',
        max_retries: 0,
      } as autobahn.IConnectionOptions);
      connection.onopen = resolve;
      connection.onclose = (reason, details) => {
        reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
        return true;
      };
      connection.open();
    });
    await session.register('com.example.echo', (args) => args?.[0]);
    // Random text does not compress below the 65536-byte fragment size.
    const big = Array.from({ length: 200_000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join(
      '',
    );
    expect(await session.call('com.example.echo', [big])).toBe(big);
    let received: (value: unknown) => void = () => {};
    const got = new Promise<unknown>((resolve) => {
      received = resolve;
    });
    await session.subscribe('com.example.news', (args) => received(args?.[0]));
    await session.publish('com.example.news', ['extra!'], {}, { exclude_me: false, acknowledge: true });
    expect(await got).toBe('extra!');
    session.leave('wamp.close.normal', 'done');
  });

  it('answers a plain GET of the WebSocket path with 426 (enable_webstatus false)', async () => {
    const res = await fetch(wsUrl.replace('ws://', 'http://'));
    expect(res.status).toBe(426);
  });

  it('serves Autobahn|Python over its WebSocket path', async () => {
    expectBasicScenario(await runPythonClient('websocket', wsUrl, 'json'));
  });

  it('serves Autobahn|Python over its RawSocket transport', async () => {
    expectBasicScenario(await runPythonClient('rawsocket', `127.0.0.1:${rawPort}`, 'cbor'));
  });
});

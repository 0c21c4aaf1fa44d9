import { spawn } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createSerializer, RawSocketFrameType } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';

describe('RawSocket transport', () => {
  let node: InterchangeNode;
  let tcp: Target;
  let unix: Target;
  let socketPath: string;

  beforeAll(async () => {
    const cbdir = await tempDir();
    socketPath = join(cbdir, 'router.sock');
    const config = workerConfig([
      { type: 'rawsocket', endpoint: LOCAL_ENDPOINT, serializers: ['json', 'msgpack'], max_message_size: 1000 },
      { type: 'rawsocket', endpoint: { type: 'unix', path: 'router.sock' } },
    ]);
    node = await InterchangeNode.start({ config, cbdir });
    tcp = { port: node.addresses[0]!.port };
    unix = { path: socketPath };
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('reports where it listens', () => {
    expect(node.addresses[0]).toMatchObject({
      type: 'rawsocket',
      rawsocket: true,
      url: `rs://127.0.0.1:${node.addresses[0]!.port}`,
    });
    expect(node.addresses[1]).toMatchObject({
      type: 'rawsocket',
      host: socketPath,
      port: 0,
      url: `unix://${socketPath}`,
    });
  });

  it('answers the handshake with the serializer and its own length limit, rounded up to a power of two', async () => {
    const client = await RawSocketTestClient.open(tcp);
    client.write([0x7f, 0xf1, 0, 0]);
    // 1000 octets round up to 2^10: LENGTH exponent 1.
    expect(await client.next()).toEqual({
      type: 'handshake',
      handshake: { kind: 'accept', serializerId: 1, lengthExponent: 1, maxLength: 1024 },
    });
    expect(await client.join()).toBeGreaterThan(0);
    client.close();
  });

  it('takes a handshake and messages fed byte by byte', async () => {
    const client = await RawSocketTestClient.open(tcp);
    for (const octet of [0x7f, 0xf1, 0, 0]) client.write([octet]);
    expect((await client.next())?.type).toBe('handshake');
    const hello = Buffer.from(JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }]));
    const frame = [0, 0, 0, hello.length, ...hello];
    for (const octet of frame) client.write([octet]);
    expect((await client.nextJson())[0]).toBe(2);
    client.close();
  });

  it('speaks msgpack when asked to', async () => {
    const msgpack = createSerializer('msgpack');
    const client = await RawSocketTestClient.connected(tcp, 2);
    client.frame(
      RawSocketFrameType.MESSAGE,
      msgpack.encode({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } }) as Uint8Array,
    );
    const welcome = await client.next();
    expect(welcome?.type).toBe('message');
    expect(msgpack.decode((welcome as { payload: Uint8Array }).payload)[0]).toMatchObject({ type: 'WELCOME' });
    client.close();
  });

  it.each([
    ['a serializer the transport does not offer (cbor)', [0x7f, 0xf3, 0, 0], [0x7f, 0x10, 0, 0]],
    ['a serializer the transport does not offer (ubjson)', [0x7f, 0xf4, 0, 0], [0x7f, 0x10, 0, 0]],
    ['an unknown serializer (flatbuffers)', [0x7f, 0xf5, 0, 0], [0x7f, 0x10, 0, 0]],
    ['the illegal serializer 0', [0x7f, 0xf0, 0, 0], [0x7f, 0x10, 0, 0]],
    ['reserved bits set', [0x7f, 0xf1, 0, 0x01], [0x7f, 0x30, 0, 0]],
  ])('refuses %s with the spec error reply, then closes', async (_name, handshake, reply) => {
    const client = await RawSocketTestClient.open(tcp);
    client.write(handshake);
    await client.closed;
    expect(client.bytes).toEqual(reply);
  });

  it('fails a connection whose first octet is not the magic 0x7F without a reply', async () => {
    const client = await RawSocketTestClient.open(tcp);
    client.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await client.closed;
    expect(client.bytes).toEqual([]);
  });

  it('answers PING with a PONG echoing the payload', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    client.frame(RawSocketFrameType.PING, Uint8Array.from([1, 2, 3, 4]));
    const pong = await client.next();
    expect(pong?.type).toBe('pong');
    expect([...(pong as { payload: Uint8Array }).payload]).toEqual([1, 2, 3, 4]);
    client.close();
  });

  async function expectAbort(client: RawSocketTestClient, text: RegExp): Promise<void> {
    const abort = await client.nextJson();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect(JSON.stringify(abort[1])).toMatch(text);
    await client.closed;
  }

  it('aborts a session that sends a frame with reserved bits', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join();
    client.write([0x10, 0, 0, 2, 0x5b, 0x5d]);
    await expectAbort(client, /reserved bits/);
  });

  it('aborts a session that announces a message over the limit', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join();
    client.write([0, 0, 0x08, 0]);
    await expectAbort(client, /2048 octets exceeds the limit of 1024/);
  });

  it('aborts a session that sends an undecodable message', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join();
    client.frame(RawSocketFrameType.MESSAGE, Buffer.from('[1, "realm1", {'));
    await expectAbort(client, /JSON/);
  });

  it('keeps other clients working while bad ones come and go', async () => {
    const callee = await RawSocketTestClient.connected(tcp);
    await callee.join();
    callee.sendJson([64, 1, {}, 'com.example.echo']);
    expect((await callee.nextJson())[0]).toBe(65);

    const bad = [
      await RawSocketTestClient.open(tcp),
      await RawSocketTestClient.open(tcp),
      await RawSocketTestClient.connected(tcp),
    ];
    bad[0]!.write([0x00, 0x01, 0x02, 0x03]);
    bad[1]!.write([0x7f, 0xf1, 0xff, 0xff]);
    bad[2]!.write([0xf0, 0, 0, 0]);
    await Promise.all(bad.map((client) => client.closed));

    const caller = await RawSocketTestClient.connected(tcp);
    await caller.join();
    caller.sendJson([48, 7, {}, 'com.example.echo', ['hi']]);
    const invocation = await callee.nextJson();
    expect(invocation[0]).toBe(68);
    callee.sendJson([70, invocation[1], {}, ['hi back']]);
    expect(await caller.nextJson()).toEqual([50, 7, {}, ['hi back']]);
    caller.close();
    callee.close();
  });

  it('serves a Unix domain socket, and removes the socket file when stopped', async () => {
    const client = await RawSocketTestClient.connected(unix);
    expect(await client.join()).toBeGreaterThan(0);
    client.sendJson([6, {}, 'wamp.close.close_realm']);
    expect(await client.nextJson()).toEqual([6, {}, 'wamp.close.normal']);
    await client.closed;
    expect((await stat(socketPath)).isSocket()).toBe(true);
  });
});

describe('RawSocket over a Unix socket left behind', () => {
  it('replaces a stale socket file, refuses a live one, and removes it on stop', async () => {
    const cbdir = await tempDir();
    const config = workerConfig([{ type: 'rawsocket', endpoint: { type: 'unix', path: 'node.sock' } }]);
    // A process that dies without cleaning up leaves its socket file behind.
    const listener = spawn(
      process.execPath,
      ['-e', "require('net').createServer().listen('node.sock', () => console.log('ready'))"],
      { cwd: cbdir },
    );
    let first: InterchangeNode | undefined;
    let second: Promise<InterchangeNode> | undefined;
    try {
      await new Promise((resolve, reject) => {
        listener.stdout.once('data', resolve);
        listener.once('exit', () => reject(new Error('the listener exited before listening')));
      });
      listener.kill('SIGKILL');
      await new Promise((resolve) => listener.once('exit', resolve));
      expect((await stat(join(cbdir, 'node.sock'))).isSocket()).toBe(true);

      first = await InterchangeNode.start({ config, cbdir });
      const client = await RawSocketTestClient.connected({ path: join(cbdir, 'node.sock') });
      expect(await client.join()).toBeGreaterThan(0);
      client.close();
      // A second node on the same live socket must not take it over.
      second = InterchangeNode.start({ config, cbdir });
      await expect(second).rejects.toThrow(/EADDRINUSE/);
      await first.stop({ timeoutMs: 200 });
      await expect(stat(join(cbdir, 'node.sock'))).rejects.toThrow(/ENOENT/);
    } finally {
      // Whatever an assertion left running: the listener, either node (stop is idempotent).
      if (listener.exitCode === null && listener.signalCode === null) listener.kill('SIGKILL');
      await second?.then(
        (node) => node.stop({ timeoutMs: 200 }),
        () => {},
      );
      await first?.stop({ timeoutMs: 200 });
      await rm(cbdir, { recursive: true, force: true });
    }
  });
});

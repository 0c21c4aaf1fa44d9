/**
 * Bad input over real sockets. Each offender gets what the spec says (ABORT
 * `wamp.error.protocol_violation` and a close, or an ERROR for a request it may retry), while a
 * bystander session keeps routing calls and events, and the node keeps accepting connections.
 */
import { encode as encodeMsgpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer } from './support/raw-peer.js';
import { startTestNode, type TestNode } from './support/test-node.js';

const ROLES = { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } };
const MAX_MESSAGE_SIZE = 64 * 1024;

describe('bad input from a peer', () => {
  let node: TestNode;
  let callee: RawPeer;
  let bystander: RawPeer;

  beforeAll(async () => {
    node = await startTestNode({ maxMessageSize: MAX_MESSAGE_SIZE });
    callee = await RawPeer.join(node.url);
    callee.send([64, 1, {}, 'com.test.echo']);
    const registered = await callee.next();
    expect(registered[0]).toBe(65);
    bystander = await RawPeer.join(node.url);
    bystander.send([32, 1, {}, 'com.test.news']);
    expect((await bystander.next())[0]).toBe(33);
  });

  afterAll(async () => {
    callee.close();
    bystander.close();
    await node.stop();
  });

  let nextCall = 100;
  /** Proves the router still routes for well-behaved sessions: a call round trip and an event. */
  async function bystanderStillServed(): Promise<void> {
    nextCall += 1;
    bystander.send([48, nextCall, {}, 'com.test.echo', ['still here']]);
    const invocation = await callee.next();
    expect(invocation[0]).toBe(68);
    callee.send([70, invocation[1], {}, invocation[4]]);
    expect(await bystander.next()).toEqual([50, nextCall, {}, ['still here']]);

    const publisher = await RawPeer.join(node.url);
    publisher.send([16, 1, {}, 'com.test.news', [nextCall]]);
    const event = await bystander.next();
    expect(event[0]).toBe(36);
    expect(event[4]).toEqual([nextCall]);
    publisher.close();
  }

  async function expectProtocolViolation(peer: RawPeer): Promise<void> {
    const abort = await peer.next();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect(typeof (abort[1] as { message?: unknown }).message).toBe('string');
    await peer.closedByRouter();
  }

  /** ERROR for the request, `wamp.error.invalid_uri`, with a human-readable reason in args. */
  function expectInvalidUri(error: unknown[], requestType: number, requestId: number): void {
    expect(error.slice(0, 5)).toEqual([8, requestType, requestId, {}, 'wamp.error.invalid_uri']);
    expect(typeof (error[5] as unknown[] | undefined)?.[0]).toBe('string');
  }

  it('aborts a frame that is not valid JSON', async () => {
    const peer = await RawPeer.open(node.url);
    peer.sendRaw('[1, "realm1", {');
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a text frame that is not valid UTF-8', async () => {
    const peer = await RawPeer.open(node.url);
    // A HELLO that would be fine, but for a byte 0xff in a string: no UTF-8 sequence holds it.
    const [before, after] = ['[1, "realm1", {"roles": {"caller": {}}, "agent": "x', '"}]'];
    peer.sendRaw(Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]), { text: true });
    const abort = await peer.next();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect((abort[1] as { message?: string }).message).toMatch(/UTF-8/);
    await peer.closedByRouter();
    await bystanderStillServed();
  });

  it('aborts a frame that is not valid msgpack', async () => {
    const peer = await RawPeer.open(node.url, ['wamp.2.msgpack']);
    peer.sendRaw(Buffer.from([0xc1, 0xff, 0x00]));
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a message of the wrong shape', async () => {
    const peer = await RawPeer.join(node.url);
    peer.send([48, 'not-an-id', {}, 'com.test.echo']);
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a JSON value that is not a message at all', async () => {
    const peer = await RawPeer.open(node.url);
    peer.sendRaw('{"hello": "world"}');
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts any message before HELLO', async () => {
    const peer = await RawPeer.open(node.url);
    peer.send([32, 1, {}, 'com.test.news']);
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a second HELLO', async () => {
    const peer = await RawPeer.join(node.url);
    peer.send([1, 'realm1', ROLES]);
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a HELLO for a realm that does not exist with no_such_realm', async () => {
    const peer = await RawPeer.open(node.url);
    peer.send([1, 'no.such.realm', ROLES]);
    const abort = await peer.next();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.no_such_realm');
    await peer.closedByRouter();
  });

  it('answers invalid URIs with ERROR invalid_uri and keeps the session', async () => {
    const peer = await RawPeer.join(node.url);
    peer.send([64, 7, {}, 'com.test..broken']);
    expectInvalidUri(await peer.next(), 64, 7);
    peer.send([32, 8, {}, 'com test space']);
    expectInvalidUri(await peer.next(), 32, 8);
    peer.send([48, 9, {}, 'com.test#hash']);
    expectInvalidUri(await peer.next(), 48, 9);
    // The session is still established: a valid request right after works.
    peer.send([48, 10, {}, 'com.test.echo', ['ok']]);
    const invocation = await callee.next();
    callee.send([70, invocation[1], {}, invocation[4]]);
    expect(await peer.next()).toEqual([50, 10, {}, ['ok']]);
    peer.close();
    await bystanderStillServed();
  });

  it('answers bad option values with ERROR and keeps the session', async () => {
    const peer = await RawPeer.join(node.url);
    peer.send([48, 11, { timeout: -5 }, 'com.test.echo', []]);
    expect((await peer.next()).slice(0, 5)).toEqual([8, 48, 11, {}, 'wamp.error.invalid_argument']);
    peer.send([64, 12, { invoke: 'everyone' }, 'com.test.shared']);
    expect((await peer.next()).slice(0, 5)).toEqual([8, 64, 12, {}, 'wamp.error.option_not_allowed']);
    peer.send([32, 13, { match: 'fuzzy' }, 'com.test.news']);
    // The spec's own test vectors make an unknown `match` a protocol violation.
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a frame over the configured size limit', async () => {
    const peer = await RawPeer.join(node.url);
    peer.send([16, 1, {}, 'com.test.news', ['x'.repeat(MAX_MESSAGE_SIZE + 1)]]);
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('aborts a router-to-client message sent by a client', async () => {
    const peer = await RawPeer.join(node.url);
    peer.send([36, 1, 2, {}, ['spoofed event']]);
    await expectProtocolViolation(peer);
    await bystanderStillServed();
  });

  it('lives on after a flood of garbage from many peers at once', async () => {
    const peers = await Promise.all(Array.from({ length: 20 }, () => RawPeer.open(node.url, ['wamp.2.msgpack'])));
    for (const [index, peer] of peers.entries()) {
      peer.sendRaw(index % 2 === 0 ? Buffer.from(encodeMsgpack({ not: 'a message' })) : Buffer.alloc(3, 0xc1));
    }
    for (const peer of peers) await expectProtocolViolation(peer);
    await bystanderStillServed();
  });
});

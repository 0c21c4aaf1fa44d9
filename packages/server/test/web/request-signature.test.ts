/**
 * Signed HTTP bridge requests: Crossbar's signature (checked against a vector computed the way
 * Crossbar computes it, with Python's hmac and urlsafe_b64encode), the timestamp window, and the
 * replay protection Crossbar lacks (a nonce is accepted once within the window), and `seq` as
 * Crossbar takes it (any integer: crossbarconnect starts at 1 in every process).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import {
  computeBridgeSignature,
  formatBridgeTimestamp,
  parseBridgeTimestamp,
  SignatureVerifier,
  signBridgeRequest,
} from '../../src/web/request-signature.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { post } from '../support/http.js';

const KEY = 'myapp1';
const SECRET = 'kkjH68GiuUZ';
const BODY = '{"topic": "com.myapp.topic1", "args": ["Hello, world"]}';
const T0 = Date.parse('2011-10-14T16:59:51.123Z');

describe('bridge request signature', () => {
  it("matches Crossbar's HMAC-SHA256 over key, timestamp, seq, nonce and body, base64url with padding", () => {
    const signature = computeBridgeSignature(SECRET, {
      key: KEY,
      timestamp: '2011-10-14T16:59:51.123Z',
      seq: '1',
      nonce: '4242',
      body: Buffer.from(BODY),
    });
    // /usr/bin/python3: base64.urlsafe_b64encode(hmac.new(secret, key+ts+seq+nonce+body, sha256).digest())
    expect(signature).toBe('8yAp_mz1LXT1dyrzfYhNJsWXTdw25-9UT3J7MaAdWGc=');
  });

  it('parses and formats timestamps in UTC ISO 8601 with fraction', () => {
    expect(parseBridgeTimestamp('2011-10-14T16:59:51.123Z')).toBe(T0);
    expect(parseBridgeTimestamp('2011-10-14T16:59:51.123456Z')).toBe(T0);
    expect(parseBridgeTimestamp('2011-10-14T16:59:51Z')).toBe(T0 - 123);
    expect(parseBridgeTimestamp('2011-10-14 16:59:51')).toBeUndefined();
    expect(parseBridgeTimestamp('yesterday')).toBeUndefined();
    expect(formatBridgeTimestamp(T0)).toBe('2011-10-14T16:59:51.123Z');
  });
});

describe('SignatureVerifier', () => {
  let now = T0;
  const verifier = () => new SignatureVerifier({ key: KEY, secret: SECRET, timestampDeltaLimit: 60, now: () => now });
  const body = Buffer.from(BODY);
  const query = (params: Record<string, string>) => new URLSearchParams(params);
  const signed = (seq: number, nonce: number, timestamp = formatBridgeTimestamp(now)) =>
    query(signBridgeRequest({ key: KEY, secret: SECRET, seq, nonce, body, timestamp }));

  it('accepts a signed request', () => {
    now = T0;
    expect(verifier().verify(signed(1, 7), body)).toBeUndefined();
  });

  it.each(['key', 'timestamp', 'seq', 'nonce', 'signature'])(
    'refuses a signed request without %s with 400',
    (field) => {
      now = T0;
      const params = signed(1, 7);
      params.delete(field);
      expect(verifier().verify(params, body)).toEqual({
        status: 400,
        message: expect.stringMatching(/^REST bridge signature was invalid \(missing mandatory field/),
      });
    },
  );

  it.each([
    ['a timestamp in another format', { timestamp: '14.10.2011' }, /invalid timestamp '14.10.2011'/],
    ['a seq that is no integer', { seq: 'one' }, /invalid sequence number 'one'/],
    ['a nonce that is no integer', { nonce: '0x10' }, /invalid nonce '0x10'/],
  ])('refuses %s with 400', (_name, change, message) => {
    now = T0;
    const params = signed(1, 7);
    for (const [name, value] of Object.entries(change)) params.set(name, value);
    expect(verifier().verify(params, body)).toEqual({ status: 400, message: expect.stringMatching(message) });
  });

  it('refuses an unknown key and a wrong signature with 401', () => {
    now = T0;
    const unknown = signed(1, 7);
    unknown.set('key', 'other');
    expect(verifier().verify(unknown, body)).toEqual({ status: 401, message: 'REST bridge signature key not valid.' });
    const wrongSecret = query(
      signBridgeRequest({ key: KEY, secret: 'guess', seq: 1, nonce: 7, body, timestamp: formatBridgeTimestamp(now) }),
    );
    expect(verifier().verify(wrongSecret, body)).toEqual({
      status: 401,
      message: 'REST bridge signature secret not valid.',
    });
    expect(verifier().verify(signed(1, 7), Buffer.from(BODY.replace('Hello', 'Jello')))).toEqual({
      status: 401,
      message: 'REST bridge signature secret not valid.',
    });
  });

  it('refuses a timestamp outside the window with 400, either way', () => {
    now = T0;
    const v = verifier();
    expect(v.verify(signed(1, 7, formatBridgeTimestamp(T0 - 61_000)), body)).toEqual({
      status: 400,
      message: 'Request expired, too old timestamp.',
    });
    expect(v.verify(signed(2, 8, formatBridgeTimestamp(T0 + 61_000)), body)).toEqual({
      status: 400,
      message: 'Request expired, too old timestamp.',
    });
    expect(v.verify(signed(3, 9, formatBridgeTimestamp(T0 - 59_000)), body)).toBeUndefined();
  });

  it('refuses a replayed request and a reused nonce with 400, whatever the seq', () => {
    now = T0;
    const v = verifier();
    const first = signed(5, 100);
    expect(v.verify(first, body)).toBeUndefined();
    expect(v.verify(first, body)).toEqual({
      status: 400,
      message: expect.stringMatching(/replayed request: nonce 100 was already used/),
    });
    expect(v.verify(signed(6, 100), body)).toEqual({
      status: 400,
      message: expect.stringMatching(/nonce 100 was already used/),
    });
    expect(v.verify(signed(6, 102), body)).toBeUndefined();
  });

  it('accepts a seq that starts again at 1 (a new crossbarconnect process), or does not grow', () => {
    now = T0;
    const v = verifier();
    for (const [seq, nonce] of [
      [1, 11],
      [2, 12],
      [1, 21],
      [2, 22],
      [2, 23],
    ] as const)
      expect(v.verify(signed(seq, nonce), body)).toBeUndefined();
  });

  it('forgets nonces once their timestamps can no longer be accepted', () => {
    now = T0;
    const v = verifier();
    expect(v.verify(signed(1, 100), body)).toBeUndefined();
    now = T0 + 121_000;
    expect(v.verify(signed(2, 100), body)).toBeUndefined();
  });

  it('does not touch the replay state for a request that fails its signature', () => {
    now = T0;
    const v = verifier();
    const forged = signed(50, 1);
    forged.set('signature', 'AAAA');
    expect(v.verify(forged, body)?.status).toBe(401);
    expect(v.verify(signed(2, 1), body)).toBeUndefined();
  });

  it('checks the format of the fields but needs none of them without a secret', () => {
    const open = new SignatureVerifier({});
    expect(open.verify(query({}), body)).toBeUndefined();
    expect(open.verify(query({ seq: 'x' }), body)?.status).toBe(400);
  });
});

describe('signed requests end to end', () => {
  let node: InterchangeNode;
  let url: string;

  beforeAll(async () => {
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          publish: {
            type: 'publisher',
            realm: 'realm1',
            options: { key: KEY, secret: SECRET, timestamp_delta_limit: 30 },
          },
        },
      },
    ]);
    (config.workers as { realms: unknown[] }[])[0]!.realms = [{ name: 'realm1' }];
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    url = `http://127.0.0.1:${node.addresses[0]!.port}/publish`;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 200 });
  });

  const body = JSON.stringify({ topic: 'com.example.topic', args: [1] });

  it('publishes a signed request; refuses unsigned ones, forgeries and replays with JSON errors', async () => {
    const params = new URLSearchParams(signBridgeRequest({ key: KEY, secret: SECRET, seq: 1, body }));
    const ok = await post(`${url}?${params}`, body);
    expect([ok.status, ok.json]).toEqual([200, { id: expect.any(Number) }]);

    const replay = await post(`${url}?${params}`, body);
    expect([replay.status, replay.json]).toMatchObject([
      400,
      { error: expect.stringMatching(/replayed request/), args: [], kwargs: {} },
    ]);

    const unsigned = await post(url, body);
    expect([unsigned.status, unsigned.json]).toMatchObject([
      400,
      { error: expect.stringMatching(/missing mandatory field/) },
    ]);

    const forged = new URLSearchParams(signBridgeRequest({ key: KEY, secret: 'guess', seq: 2, body }));
    expect((await post(`${url}?${forged}`, body)).status).toBe(401);

    const stale = new URLSearchParams(
      signBridgeRequest({
        key: KEY,
        secret: SECRET,
        seq: 3,
        body,
        timestamp: formatBridgeTimestamp(Date.now() - 60_000),
      }),
    );
    expect((await post(`${url}?${stale}`, body)).json).toMatchObject({ error: 'Request expired, too old timestamp.' });

    const next = new URLSearchParams(signBridgeRequest({ key: KEY, secret: SECRET, seq: 4, body }));
    expect((await post(`${url}?${next}`, body)).status).toBe(200);
  });

  it('accepts two client processes that each count seq from 1 (as crossbarconnect does)', async () => {
    const script = fileURLToPath(new URL('./bridge_signed_client.py', import.meta.url));
    const client = async () => {
      const { stdout } = await promisify(execFile)('/usr/bin/python3', [script, url, KEY, SECRET, '3'], {
        timeout: 30_000,
      });
      return JSON.parse(stdout) as [number, unknown][];
    };
    const ok = [200, { id: expect.any(Number) }];
    expect(await client()).toEqual([ok, ok, ok]);
    expect(await client()).toEqual([ok, ok, ok]);
  });
});

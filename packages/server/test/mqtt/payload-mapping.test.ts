/** Payload mappings without a router: native serializers both ways, passthrough, and bad payloads. */
import type { Event } from '@interchange/client';
import { encode as cborEncode } from 'cbor-x';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { PayloadMapper, PayloadMappingError } from '../../src/mqtt/payload-mapping.js';

const mapper = new PayloadMapper(
  {
    '': { type: 'passthrough' },
    'j.': { type: 'native', serializer: 'json' },
    'm.': { type: 'native', serializer: 'msgpack' },
    'c.': { type: 'native', serializer: 'cbor' },
    'u.': { type: 'native', serializer: 'ubjson' },
  },
  'realm1',
  () => Promise.reject(new Error('no codec in this test')),
);

const event = (args: unknown[], kwargs: Record<string, unknown> = {}, details: Record<string, unknown> = {}) =>
  ({ args, kwargs, details }) as unknown as Event;

describe('PayloadMapper', () => {
  it('picks the longest prefix', () => {
    expect(mapper.mappingFor('j.x').type).toBe('native');
    expect(mapper.mappingFor('jx').type).toBe('passthrough');
  });

  it.each([
    ['j.t', Buffer.from(JSON.stringify({ args: [1, 'a'], kwargs: { k: true }, exclude: [5] }))],
    ['m.t', pack({ args: [1, 'a'], kwargs: { k: true }, exclude: [5] })],
    ['c.t', Buffer.from(cborEncode({ args: [1, 'a'], kwargs: { k: true }, exclude: [5] }))],
    // py-ubjson's bytes for the same value (what Crossbar's UBJSON mapping reads and writes).
    ['u.t', Buffer.from('7b5504617267735b550143615d55066b77617267737b55016b547d55076578636c7564655b55055d7d', 'hex')],
  ])('reads a native payload on %s', async (uri, payload) => {
    expect(await mapper.toWamp(uri, uri.replace('.', '/'), payload)).toEqual({
      args: [1, 'a'],
      options: { kwargs: { k: true }, exclude: [5] },
    });
  });

  it.each([
    ['j.t', Buffer.from('not json')],
    ['j.t', Buffer.from([0xff, 0xfe])],
    ['j.t', Buffer.from('[1, 2]')],
    ['j.t', Buffer.from('{"args": 5}')],
    ['c.t', Buffer.from([0xff])],
    ['u.t', Buffer.from([0x5b, 0x23, 0x6c, 0x04, 0x00, 0x00, 0x00])],
  ])('refuses a bad native payload on %s', async (uri, payload) => {
    await expect(mapper.toWamp(uri, 't', payload)).rejects.toBeInstanceOf(PayloadMappingError);
  });

  it('writes native payloads, JSON with binary as NUL and base64', () => {
    const bytes = mapper.toMqtt('j.t', 'j/t', event([new Uint8Array([1, 2])], { a: 1 })) as Buffer;
    expect(JSON.parse(bytes.toString())).toEqual({ args: ['\u0000AQI='], kwargs: { a: 1 } });
  });

  it("passes an Autobahn|Python passthrough payload (enc_algo 'mqtt', Crossbar's form) to MQTT as it is", () => {
    const bytes = mapper.toMqtt('p.t', 'p/t', event([new Uint8Array([7, 8])], {}, { enc_algo: 'mqtt' })) as Buffer;
    expect([...bytes]).toEqual([7, 8]);
    expect(mapper.toMqtt('p.t', 'p/t', event([new Uint8Array([7, 8])]))).toBeUndefined();
  });

  it('writes CBOR native payloads with bytes as a plain byte string, as Crossbar does (no typed-array tag)', () => {
    const bytes = mapper.toMqtt('c.t', 'c/t', event([new Uint8Array([1, 2])])) as Buffer;
    // ... "args": [h'0102']: text "args", array(1), a byte string of 2 bytes, untagged (d840 = tag 64).
    const hex = bytes.toString('hex');
    expect(hex.endsWith('6461726773' + '81' + '420102')).toBe(true);
    expect(hex).not.toContain('d840');
  });

  it('writes UBJSON native payloads as py-ubjson does, bytes as a typed uint8 array', () => {
    const bytes = mapper.toMqtt('u.t', 'u/t', event([new Uint8Array([1, 2])], { a: 1 })) as Buffer;
    // py-ubjson's bytes for {"args": [b"\x01\x02"], "kwargs": {"a": 1}}.
    expect(bytes.toString('hex')).toBe('7b5504617267735b5b245523550201025d55066b77617267737b55016155017d7d');
  });

  it('passes passthru payloads through, and has no form for a plain event on a passthrough topic', async () => {
    const payload = new Uint8Array([9, 8, 7]);
    expect(await mapper.toWamp('p', 'p', Buffer.from(payload))).toEqual({
      args: [payload],
      options: { ppt_scheme: 'mqtt' },
    });
    expect(mapper.toMqtt('p', 'p', event([payload], {}, { ppt_scheme: 'mqtt' }))).toEqual(Buffer.from(payload));
    expect(mapper.toMqtt('p', 'p', event(['text']))).toBeUndefined();
    expect(mapper.toMqtt('p', 'p', event([]))).toEqual(Buffer.alloc(0));
  });
});

import { describe, expect, it } from 'vitest';
import { FrameCachePool } from '../../src/transports/frame-cache.js';

const goodbye = { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' } as const;
const hello = '[1,"realm1",{"roles":{"caller":{}}}]';

describe('FrameCachePool.answerInKind', () => {
  it('answers a wamp.2.json.batched peer that writes 0x18 with 0x18, from a cache of its own', () => {
    const pool = new FrameCachePool();
    const spec = pool.forSubprotocol('wamp.2.json.batched');
    if (spec === undefined) throw new Error('no cache');
    const autobahn = pool.answerInKind(spec, Buffer.from(`${hello}\u0018`));
    expect(autobahn).not.toBe(spec);
    expect(autobahn.encode(goodbye)).toBe('[6,{},"wamp.close.normal"]\u0018');
    expect(spec.encode(goodbye)).toBe('[6,{},"wamp.close.normal"]\u001e');
    // Every such peer shares the one cache, so a fan-out still encodes once.
    expect(pool.answerInKind(spec, `${hello}\u0018`)).toBe(autobahn);
  });

  it('keeps the cache for a spec separator and for every other subprotocol', () => {
    const pool = new FrameCachePool();
    const spec = pool.forSubprotocol('wamp.2.json.batched');
    const json = pool.forSubprotocol('wamp.2.json');
    if (spec === undefined || json === undefined) throw new Error('no cache');
    expect(pool.answerInKind(spec, `${hello}\u001e`)).toBe(spec);
    expect(pool.answerInKind(json, hello)).toBe(json);
  });
});

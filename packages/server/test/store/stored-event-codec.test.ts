/** Retained records keep whether the publisher asked for an acknowledgement (the MQTT bridge's QoS), and older records read as before. */
import type { RetainedEvent } from '@interchange/router';
import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeRetainedRecord, encodeRetainedRecord } from '../../src/store/stored-event-codec.js';

const retained = (extra: Partial<RetainedEvent> = {}): RetainedEvent => ({
  topic: 'a.b',
  publisherId: 7,
  excludeMe: true,
  filter: undefined,
  options: undefined,
  details: {},
  payload: { args: ['x'] },
  ...extra,
});

describe('retained records', () => {
  it('keep acknowledged, and only where it was set', () => {
    const { events } = decodeRetainedRecord(
      'a.b',
      encodeRetainedRecord(3, [retained({ acknowledged: true }), retained()]),
    );
    expect(events[0]?.acknowledged).toBe(true);
    expect(events[1]).not.toHaveProperty('acknowledged');
  });

  it('are written as before without it, so a record of an earlier version reads the same', () => {
    const bytes = encodeRetainedRecord(1, [retained()]);
    const [, [item]] = unpack(bytes) as [number, unknown[][]];
    expect(item).toHaveLength(5);
    const earlier = pack([1, [[7, true, {}, { args: ['x'] }, null]]]);
    expect(decodeRetainedRecord('a.b', earlier).events[0]).toMatchObject({ publisherId: 7, payload: { args: ['x'] } });
  });
});

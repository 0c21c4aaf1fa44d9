/**
 * Passthru events kept by the router (advanced profile "Event Retention" and "Event History")
 * reach a client of the earlier "payload transparency" (Autobahn|Python up to 22) in the form it
 * reads, as live events do (passthru.ts): the payload bare, with `enc_algo`. Clients that
 * announced `payload_passthru_mode` keep the spec's form.
 */
import type { Dict, MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, join, type TestClient } from './harness.js';
import { metaResult } from './meta-helpers.js';

const TOPIC = 'com.example.sensor';
const BYTES = new Uint8Array([0, 42, 255, 16]);

/** Autobahn|Python 22 announces the earlier feature name only. */
const OLDER_ROLES: Dict = {
  caller: { features: { payload_transparency: true } },
  subscriber: { features: { payload_transparency: true } },
};
const CURRENT_ROLES: Dict = {
  caller: { features: { payload_passthru_mode: true } },
  publisher: { features: { payload_passthru_mode: true } },
  subscriber: { features: { payload_passthru_mode: true } },
};

let router: Router;

beforeEach(() => {
  router = new Router({
    realms: [
      { name: 'realm1', store: { type: 'memory', 'event-history': [{ uri: 'com.example.', match: 'prefix' }] } },
    ],
  });
});
afterEach(expectCleanTraffic);

/** Publishes BYTES in the spec's passthru form (one binary item in Arguments|list), as the MQTT bridge does. */
function publishSpecForm(options: Dict = {}): void {
  const publisher = join(router, 'realm1', { roles: CURRENT_ROLES });
  publisher.receive({
    type: 'PUBLISH',
    requestId: publisher.nextId(),
    options: { ppt_scheme: 'mqtt', ...options },
    topic: TOPIC,
    args: [BYTES],
  });
}

/** SUBSCRIBE with get_retained; the events after SUBSCRIBED. */
function retainedEvents(client: TestClient, topic: string, match?: string): MessageOf<'EVENT'>[] {
  const requestId = client.nextId();
  const options: Dict = { get_retained: true };
  if (match !== undefined) options.match = match;
  client.receive({ type: 'SUBSCRIBE', requestId, options, topic });
  const [subscribed, ...events] = client.take();
  expect(subscribed).toMatchObject({ type: 'SUBSCRIBED', requestId });
  return events as MessageOf<'EVENT'>[];
}

describe('retained passthru events', () => {
  it('reach a payload_transparency-only subscriber bare, with enc_algo, and a current one in spec form', () => {
    publishSpecForm({ retain: true });
    const [old] = retainedEvents(join(router, 'realm1', { roles: OLDER_ROLES }), TOPIC);
    expect(old?.payload).toBe(BYTES);
    expect(old !== undefined && 'args' in old).toBe(false);
    expect(old?.details).toEqual({ ppt_scheme: 'mqtt', enc_algo: 'mqtt', retained: true });
    const [spec] = retainedEvents(join(router, 'realm1', { roles: CURRENT_ROLES }), TOPIC);
    expect(spec?.args).toEqual([BYTES]);
    expect(spec !== undefined && 'payload' in spec).toBe(false);
    expect(spec?.details).toEqual({ ppt_scheme: 'mqtt', retained: true });
  });

  it('keep the topic for a pattern subscriber of the earlier form', () => {
    publishSpecForm({ retain: true });
    const [old] = retainedEvents(join(router, 'realm1', { roles: OLDER_ROLES }), 'com.example.', 'prefix');
    expect(old?.payload).toBe(BYTES);
    expect(old?.details).toEqual({ ppt_scheme: 'mqtt', enc_algo: 'mqtt', retained: true, topic: TOPIC });
  });

  it('leave retained events that are not passthru as they are', () => {
    const publisher = join(router);
    publisher.publish(TOPIC, { options: { retain: true }, args: [BYTES] });
    const [old] = retainedEvents(join(router, 'realm1', { roles: OLDER_ROLES }), TOPIC);
    expect(old?.args).toEqual([BYTES]);
    expect(old?.details).toEqual({ retained: true });
  });
});

describe('passthru events in the event history', () => {
  async function history(caller: TestClient): Promise<Dict[]> {
    const [id] = await metaResult(caller, 'wamp.subscription.lookup', ['com.example.', { match: 'prefix' }]);
    const [events] = await metaResult(caller, 'wamp.subscription.get_events', [id]);
    return events as Dict[];
  }

  it('reach a payload_transparency-only caller bare, with enc_algo, and a current one in spec form', async () => {
    publishSpecForm();
    const [old] = await history(join(router, 'realm1', { roles: OLDER_ROLES }));
    expect(old?.payload).toBe(BYTES);
    expect(old !== undefined && 'args' in old).toBe(false);
    expect(old?.details).toEqual({ ppt_scheme: 'mqtt', enc_algo: 'mqtt', topic: TOPIC });
    const [spec] = await history(join(router, 'realm1', { roles: CURRENT_ROLES }));
    expect(spec?.args).toEqual([BYTES]);
    expect(spec !== undefined && 'payload' in spec).toBe(false);
    expect(spec?.details).toEqual({ ppt_scheme: 'mqtt', topic: TOPIC });
  });

  it('leave events that are not passthru as they are', async () => {
    join(router).publish(TOPIC, { args: [BYTES], kwargs: { n: 1 } });
    const [old] = await history(join(router, 'realm1', { roles: OLDER_ROLES }));
    expect(old).toMatchObject({ args: [BYTES], kwargs: { n: 1 }, details: { topic: TOPIC } });
    expect('payload' in (old ?? {})).toBe(false);
  });
});

/**
 * `forward_for` of router-to-router links (src/forward-for.ts): passed on from PUBLISH and CALL
 * options into EVENT and INVOCATION details with the forwarding session appended, while the
 * disclosed publisher or caller stays the session that really sent the message.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, join } from './harness.js';

let router: Router;

beforeEach(() => {
  router = new Router({ realms: [{ name: 'realm1' }] });
});
afterEach(expectCleanTraffic);

const ORIGIN = { session: 1234, authid: 'alice', authrole: 'user' };

describe('forward_for', () => {
  it('reaches subscribers with the forwarding session appended', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    const link = join(router, 'realm1', { authid: 'rlink_to_b' });
    link.publish('com.example.topic', { options: { forward_for: [ORIGIN] }, args: [1] });
    expect(subscriber.takeOne('EVENT').details).toEqual({
      forward_for: [ORIGIN, { session: link.sessionId, authid: 'rlink_to_b', authrole: 'anonymous' }],
    });
  });

  it('does not let a publisher pose as the session it names', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    const link = join(router, 'realm1', { authid: 'mallory' });
    link.publish('com.example.topic', { options: { forward_for: [ORIGIN], disclose_me: true } });
    const { details } = subscriber.takeOne('EVENT');
    expect(details.publisher).toBe(link.sessionId);
    expect(details.publisher_authid).toBe('mallory');
  });

  it('reaches callees with the forwarding session appended', () => {
    const callee = join(router);
    callee.register('com.example.add');
    const link = join(router, 'realm1', { authid: 'rlink_to_b' });
    link.call('com.example.add', { options: { forward_for: [ORIGIN] }, args: [1, 2] });
    const invocation = callee.takeOne('INVOCATION');
    expect(invocation.details.forward_for).toEqual([
      ORIGIN,
      { session: link.sessionId, authid: 'rlink_to_b', authrole: 'anonymous' },
    ]);
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [3] });
    expect(link.takeOne('RESULT').args).toEqual([3]);
  });

  it('is absent when the message had none', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    join(router).publish('com.example.topic');
    expect(subscriber.takeOne('EVENT').details).toEqual({});
  });
});

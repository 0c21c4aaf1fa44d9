/**
 * The dealer counts the INVOCATIONs and RESULTs it sends itself (dealer/call-message-count.ts),
 * where the session's send path counted them: the figures a Prometheus scrape shows must be the
 * ones counting each message gave. Callers and callees on every client transport and serializer
 * (WebSocket json, msgpack and cbor, RawSocket json and msgpack, long-poll), each caller calling
 * each callee, with results, application errors and a procedure nobody registered, then a scrape.
 */
import { ApplicationError, connect, Result, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsNode, startMetricsNode } from './support/metrics-scrape.js';

describe('metrics of routed calls over every transport and serializer', () => {
  let metrics: MetricsNode;

  beforeAll(async () => {
    metrics = await startMetricsNode('metrics-calls');
  });
  afterAll(async () => {
    await metrics?.node.stop();
  });

  it('counts every CALL, INVOCATION, YIELD, RESULT and ERROR exactly', async () => {
    const { clients, scrape } = metrics;
    // One callee and one caller per transport and serializer.
    const callees: Session[] = await Promise.all(clients.map((options) => connect({ ...options, realm: 'realm1' })));
    const callers: Session[] = await Promise.all(clients.map((options) => connect({ ...options, realm: 'realm1' })));
    try {
      for (const [i, callee] of callees.entries()) {
        await callee.register(`com.calls.echo.${i}`, ({ args }) => new Result(args));
        await callee.register(`com.calls.refuse.${i}`, () => {
          throw new ApplicationError('com.calls.refused', { args: ['no'] });
        });
      }
      const before = await scrape();

      const outcomes = await Promise.all(
        callers.flatMap((caller, c) =>
          callees.flatMap((_, i) => [
            caller
              .call(`com.calls.echo.${i}`, [c, i])
              .then(({ args }) => (args[0] === c && args[1] === i ? 'result' : 'wrong')),
            caller.call(`com.calls.refuse.${i}`).then(
              () => 'result',
              (error: { uri?: string }) => error.uri ?? 'unknown',
            ),
          ]),
        ),
      );
      // Nobody registered it: the router answers, no INVOCATION.
      const unrouted = await Promise.all(
        callers.map((caller) =>
          caller.call('com.calls.nobody').then(
            () => 'result',
            (error: { uri?: string }) => error.uri,
          ),
        ),
      );

      const after = await scrape();
      const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      const routed = clients.length * clients.length;
      expect(outcomes.filter((o) => o === 'result')).toHaveLength(routed);
      expect(outcomes.filter((o) => o === 'com.calls.refused')).toHaveLength(routed);
      expect(unrouted).toEqual(clients.map(() => 'wamp.error.no_such_procedure'));
      expect(delta('interchange_messages_received_total{type="CALL"}')).toBe(2 * routed + clients.length);
      expect(delta('interchange_messages_sent_total{type="INVOCATION"}')).toBe(2 * routed);
      expect(delta('interchange_messages_received_total{type="YIELD"}')).toBe(routed);
      expect(delta('interchange_messages_sent_total{type="RESULT"}')).toBe(routed);
      expect(delta('interchange_messages_received_total{type="ERROR"}')).toBe(routed);
      expect(delta('interchange_messages_sent_total{type="ERROR"}')).toBe(routed + clients.length);
      expect(delta('interchange_call_duration_seconds_count')).toBe(2 * routed);
    } finally {
      await Promise.all([...callers, ...callees].map((session) => session.leave()));
    }
  });
});

/**
 * A question to every live node of the cluster at once, with the answers gathered on one inbox:
 * done when as many answers came as nodes were alive when it was asked, or when `timeoutMs`
 * passed (a node that died meanwhile is not waited for longer).
 */
import { createInbox, type NatsConnection } from '@nats-io/transport-node';
import { packEnvelope, unpackEnvelope } from './cluster-envelope.js';

export interface ScatterTarget {
  nc: NatsConnection;
  /** The cluster's subject prefix (its `name`). */
  prefix: string;
  /** Subscribes with the cluster's error handling; returns the unsubscribe. */
  subscribe(subject: string, onMessage: (data: Uint8Array) => void): () => void;
}

export function scatter(
  target: ScatterTarget,
  subject: string,
  envelope: object,
  expected: number,
  timeoutMs: number,
): Promise<Record<string, unknown>[]> {
  const inbox = createInbox(`${target.prefix}._inbox`);
  const answers: Record<string, unknown>[] = [];
  return new Promise((resolve) => {
    let stop: () => void = () => undefined;
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve(answers);
    };
    const timer = setTimeout(done, timeoutMs);
    stop = target.subscribe(inbox, (data) => {
      const answer = unpackEnvelope(data);
      if (answer !== undefined) answers.push(answer);
      if (answers.length >= expected) done();
    });
    target.nc.publish(subject, packEnvelope(envelope), { reply: inbox });
  });
}

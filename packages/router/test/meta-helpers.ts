/**
 * Helpers for tests of the meta API: router procedures answer after the current microtasks, so
 * a meta call is awaited before its answer is read.
 */
import type { Dict, MessageOf, WampMessage } from '@interchange/protocol';
import { expect } from 'vitest';
import type { TestClient } from './harness.js';

/** Lets pending promise callbacks (a router procedure's answer) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a meta call brought: its answer, and any other messages that arrived meanwhile. */
export interface MetaReply {
  reply: MessageOf<'RESULT'> | MessageOf<'ERROR'>;
  others: WampMessage[];
}

/** Calls a (meta) procedure and waits for its answer. */
export async function callMeta(
  client: TestClient,
  procedure: string,
  args?: unknown[],
  kwargs?: Dict,
): Promise<MetaReply> {
  const init: { args?: unknown[]; kwargs?: Dict } = {};
  if (args !== undefined) init.args = args;
  if (kwargs !== undefined) init.kwargs = kwargs;
  const requestId = client.call(procedure, init);
  await settle();
  const messages = client.take();
  const answers = messages.filter((m) => (m.type === 'RESULT' || m.type === 'ERROR') && m.requestId === requestId);
  expect(answers, `one answer to ${procedure}`).toHaveLength(1);
  return {
    reply: answers[0] as MessageOf<'RESULT'> | MessageOf<'ERROR'>,
    others: messages.filter((m) => !answers.includes(m)),
  };
}

/** Calls a meta procedure, expects RESULT and nothing else, and returns its positional results. */
export async function metaResult(
  client: TestClient,
  procedure: string,
  args?: unknown[],
  kwargs?: Dict,
): Promise<unknown[]> {
  const { reply, others } = await callMeta(client, procedure, args, kwargs);
  expect(reply.type, `${procedure} answered ${reply.type === 'ERROR' ? reply.error : 'RESULT'}`).toBe('RESULT');
  expect(others).toEqual([]);
  return reply.args ?? [];
}

/** Calls a meta procedure, expects ERROR and nothing else, and returns its error URI. */
export async function metaErrorUri(
  client: TestClient,
  procedure: string,
  args?: unknown[],
  kwargs?: Dict,
): Promise<string> {
  const { reply, others } = await callMeta(client, procedure, args, kwargs);
  expect(reply.type).toBe('ERROR');
  expect(others).toEqual([]);
  const error = reply as MessageOf<'ERROR'>;
  // Router errors carry a human-readable message first, where Autobahn clients show it.
  expect(typeof error.args?.[0]).toBe('string');
  return error.error;
}

/** The positional arguments of the EVENTs among messages, in order. */
export function eventArgs(messages: readonly WampMessage[]): unknown[][] {
  return messages.filter((m): m is MessageOf<'EVENT'> => m.type === 'EVENT').map((e) => e.args ?? []);
}

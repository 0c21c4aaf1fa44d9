/**
 * Conformance against the multisession WAMP test vectors (wamp-proto/wamp-proto testsuite/,
 * vendored with their NOTICE.md in fixtures/wamp-proto-testsuite): each vector is a sequence of
 * messages between sessions and a router, and what the router must send back.
 *
 * IDs the router chooses (subscription, publication, registration) may differ from the
 * vector's; the first time the router sends one, the vector's value is bound to ours, and from
 * then on both directions use the binding.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import type { Dict, WampMessage } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, join, type TestClient } from './harness.js';

const ROOT = joinPath(import.meta.dirname, 'fixtures', 'wamp-proto-testsuite', 'multisession');

interface Step {
  step: number;
  description: string;
  from: string;
  to: string;
  message: Dict & { type: string };
}
interface Vector {
  description: string;
  sessions: { session_id: string; roles: string[]; realm: string }[];
  sequence: Step[];
}

/** Vector field names to the typed message field names of `@interchange/protocol`. */
const FIELD_NAMES: Record<string, string> = {
  request_id: 'requestId',
  subscription_id: 'subscription',
  publication_id: 'publication',
  registration_id: 'registration',
};
/** Fields whose values the router chooses. */
const ROUTER_IDS = new Set(['subscription', 'publication', 'registration']);

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = joinPath(dir, name);
    if (statSync(path).isDirectory()) return listJson(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

const vectors = listJson(ROOT).map((path) => ({
  name: path.slice(ROOT.length + 1),
  vector: JSON.parse(readFileSync(path, 'utf8')) as Vector,
}));

afterEach(expectCleanTraffic);

describe('multisession test vectors', () => {
  it('found the vendored vectors', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors)('$name', ({ vector }) => {
    const router = new Router({ realms: [...new Set(vector.sessions.map((s) => s.realm))].map((name) => ({ name })) });
    const clients = new Map<string, TestClient>();
    for (const session of vector.sessions) {
      const roles = Object.fromEntries(session.roles.map((role) => [role, {}]));
      clients.set(session.session_id, join(router, session.realm, { roles }));
    }
    /** Vector ID to router ID, per field. */
    const bound = new Map<string, number>();
    const key = (field: string, value: unknown) => `${field}:${String(value)}`;

    for (const step of vector.sequence) {
      const typed: Dict = {};
      for (const [name, value] of Object.entries(step.message)) {
        const field = FIELD_NAMES[name] ?? name;
        typed[field] = ROUTER_IDS.has(field) && bound.has(key(field, value)) ? bound.get(key(field, value)) : value;
      }
      if (step.to === 'router') {
        const sender = clients.get(step.from);
        if (sender === undefined) throw new Error(`step ${step.step}: unknown session ${step.from}`);
        sender.receive(typed as unknown as WampMessage);
        continue;
      }
      const client = clients.get(step.to);
      if (client === undefined) throw new Error(`step ${step.step}: unknown session ${step.to}`);
      const received = client.take();
      expect(received, `step ${step.step}: ${step.description}`).toHaveLength(1);
      const actual = received[0] as unknown as Dict;
      for (const field of ROUTER_IDS) {
        if (field in typed && !bound.has(key(field, step.message[`${field}_id`]))) {
          bound.set(key(field, step.message[`${field}_id`]), actual[field] as number);
          typed[field] = actual[field];
        }
      }
      expect(actual, `step ${step.step}: ${step.description}`).toEqual(typed);
    }
    for (const [name, client] of clients) expect(client.take(), `unexpected messages to ${name}`).toEqual([]);
  });
});

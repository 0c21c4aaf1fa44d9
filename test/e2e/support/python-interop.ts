/**
 * Runs the Autobahn|Python interop client (interop/autobahn_python_client.py) and checks what
 * it observed in the basic scenario, the same whatever transport carried it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../interop/autobahn_python_client.py', import.meta.url));

/** Runs the client over `transport` to `target` with `serializer`; returns the JSON it printed. */
export async function runPythonClient(
  transport: 'websocket' | 'rawsocket',
  target: string,
  serializer: string,
): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [script, transport, target, 'realm1', serializer], {
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

/** What a user of Autobahn|Python sees in the basic scenario through our router. */
export function expectBasicScenario(observed: Record<string, unknown>): void {
  const welcome = observed['welcome'] as Record<string, unknown>;
  expect(welcome['realm']).toBe('realm1');
  expect(welcome['authrole']).toBe('anonymous');
  expect(welcome['backend_session']).not.toBe(welcome['frontend_session']);
  expect(observed['add2']).toBe(5);
  expect(observed['echo']).toEqual({ args: [1, 'two'], kwargs: { color: 'orange', size: 3 } });
  expect(observed['bytes']).toEqual([0, 1, 254, 255]);
  expect(observed['big_length']).toBe(50000);
  expect(observed['fail']).toEqual({ error: 'com.interop.failed', args: ['as requested'], kwargs: { code: 42 } });
  expect(observed['no_such_procedure']).toBe('wamp.error.no_such_procedure');
  expect(observed['already_exists']).toBe('wamp.error.procedure_already_exists');
  expect(observed['publication_id_is_int']).toBe(true);
  // The frontend's event, then the backend's own exclude_me=false event; never the excluded one.
  expect(observed['events']).toEqual([
    { args: ['hello', 7], kwargs: { note: 'first' } },
    { args: ['to myself too'], kwargs: {} },
  ]);
}

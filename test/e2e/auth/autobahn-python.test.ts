/**
 * Interop: Autobahn|Python (Debian's python3-autobahn 22.7.1, run with /usr/bin/python3)
 * authenticates against our router with ticket, WAMP-CRA (plain and salted, with its own
 * compute_wcs and derive_key) and cryptosign (its CryptosignKey), and joins seed 002's dynamic
 * WAMP-CRA transport, and with SCRAM in Crossbar's dialect (`scram`, Argon2id; its AuthScram needs
 * Debian's python3-argon2 and python3-passlib, which .ci/run installs).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthNode, CREDENTIALS, startAuthNode } from './auth-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./auth_python_client.py', import.meta.url));

async function python(
  url: string,
  realm: string,
  method: string,
  authid: string,
  secret: string,
  serializer = 'json',
): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [script, url, realm, method, authid, secret, serializer], {
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

let node: AuthNode;
beforeAll(async () => {
  node = await startAuthNode();
});
afterAll(async () => {
  await node?.stop();
});

describe('Autobahn|Python authenticates', () => {
  it('with ticket, and fails a wrong ticket', async () => {
    const { authid, ticket } = CREDENTIALS.ticket;
    expect(await python(node.url('ws'), 'realm1', 'ticket', authid, ticket)).toEqual({
      joined: true,
      details: {
        realm: 'realm1',
        authid,
        authrole: 'user',
        authmethod: 'ticket',
        authprovider: 'static',
        // The principal's authextra, and where the session landed (as Crossbar adds it).
        authextra: {
          plan: 'gold',
          x_cb_node: expect.any(String),
          x_cb_worker: 'worker001',
          x_cb_peer: expect.stringMatching(/^tcp4:127\.0\.0\.1:\d+$/),
          x_cb_pid: process.pid,
        },
      },
    });
    expect(await python(node.url('ws'), 'realm1', 'ticket', 'py-wrong', 'nope')).toEqual({
      joined: false,
      reason: 'wamp.error.authentication_failed',
      message: 'Authentication failed.',
    });
  });

  it.each(['json', 'msgpack', 'cbor'])('with wampcra, plain, over %s', async (serializer) => {
    const { authid, secret } = CREDENTIALS.wampcra;
    expect(await python(node.url('ws'), 'realm1', 'wampcra', authid, secret, serializer)).toMatchObject({
      joined: true,
      details: { authid, authmethod: 'wampcra' },
    });
  });

  it('with scram (Argon2id, Crossbar dialect), checking the router proof, and fails a wrong password', async () => {
    const { authid, password } = CREDENTIALS.scramCrossbar;
    expect(await python(node.url('ws'), 'realm1', 'scram', authid, password)).toMatchObject({
      joined: true,
      details: { authid, authmethod: 'scram', authrole: 'user' },
    });
    expect(await python(node.url('ws'), 'realm1', 'scram', authid, 'not-the-password')).toMatchObject({
      joined: false,
      reason: 'wamp.error.authentication_failed',
    });
  });

  it('with wampcra, salted, and fails a wrong secret', async () => {
    const { authid, secret } = CREDENTIALS.wampcraSalted;
    expect(await python(node.url('ws'), 'realm1', 'wampcra', authid, secret)).toMatchObject({
      joined: true,
      details: { authid },
    });
    expect(await python(node.url('ws'), 'realm1', 'wampcra', 'py-salty', 'wrong')).toMatchObject({
      joined: false,
      reason: 'wamp.error.authentication_failed',
    });
  });

  it('with cryptosign, and fails an unknown key', async () => {
    const { authid, seed } = CREDENTIALS.cryptosign;
    expect(await python(node.url('ws'), 'realm1', 'cryptosign', authid, seed)).toMatchObject({
      joined: true,
      details: { authid, authrole: 'device', authmethod: 'cryptosign' },
    });
    expect(
      await python(
        node.url('ws'),
        'realm1',
        'cryptosign',
        authid,
        'd511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd',
      ),
    ).toMatchObject({
      joined: false,
      reason: 'wamp.error.authentication_failed',
    });
  });

  it("on seed 002's dynamic wampcra transport", async () => {
    const { authid, secret } = CREDENTIALS.seed;
    expect(await python(node.url('seed'), 'acme-company', 'wampcra', authid, secret)).toMatchObject({
      joined: true,
      details: {
        realm: 'acme-company',
        authid,
        authrole: 'anonymous',
        authprovider: 'dynamic',
        authextra: { greeting: 'welcome to acme' },
      },
    });
  });
});

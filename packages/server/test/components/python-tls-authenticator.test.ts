/**
 * A dynamic authenticator written for Crossbar reads the client certificate as Crossbar hands it
 * over: `details.transport.peer_cert` with the subject and issuer fields under lower-case keys
 * (`cn`, `o`), as Autobahn|Python's `extract_peer_certificate` makes them. Crossbar's
 * authentication/tls/dynamic example does; it failed here with KeyError 'cn'. Shown with an
 * Autobahn|Python authenticator and an Autobahn|Python backend presenting a client certificate.
 */
import { fileURLToPath } from 'node:url';
import { connect } from '@interchange/client';
import { afterAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { callWhenRegistered } from '../support/call-when-registered.js';

const CBDIR = fileURLToPath(new URL('../fixtures/python-tls-authenticator', import.meta.url));
const everything = { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } };
const role = (name: string) => ({ name, permissions: [everything] });

const config = {
  version: 2,
  workers: [
    {
      type: 'router',
      options: { pythonpath: ['app'] },
      realms: [{ name: 'realm1', roles: [role('authenticator'), role('backend'), role('anonymous')] }],
      transports: [
        { type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { ws: { type: 'websocket' } } },
        {
          type: 'websocket',
          endpoint: {
            type: 'tcp',
            port: 8443,
            tls: { key: '../tls/server.key', certificate: '../tls/server.crt', ca_certificates: ['../tls/ca.crt'] },
          },
          auth: { tls: { type: 'dynamic', authenticator: 'com.example.authenticate' } },
        },
      ],
      components: [{ type: 'class', classname: 'tls_auth.Authenticator', realm: 'realm1', role: 'authenticator' }],
    },
    {
      type: 'container',
      options: { pythonpath: ['app'] },
      components: [
        {
          type: 'class',
          classname: 'tls_backend.Backend',
          realm: 'realm1',
          transport: {
            type: 'websocket',
            url: 'wss://localhost:8443/',
            endpoint: {
              type: 'tcp',
              host: '127.0.0.1',
              port: 8443,
              tls: {
                hostname: 'localhost',
                key: '../tls/client.key',
                certificate: '../tls/client.crt',
                ca_certificates: ['../tls/ca.crt'],
              },
            },
          },
        },
      ],
    },
  ],
};

describe('dynamic TLS authenticator (Autobahn|Python) reading peer_cert as Crossbar passes it', () => {
  let node: InterchangeNode | undefined;
  afterAll(async () => {
    await node?.stop();
  });

  it('gets subject and issuer under lower-case keys, and the backend joins as the certificate CN', async () => {
    node = await InterchangeNode.start({ config, cbdir: CBDIR, overrides: { interface: '127.0.0.1', port: 0 } });
    const web = node.addresses.find((a) => a.type === 'web');
    const client = await connect({ url: web?.websocketUrls[0] ?? '', realm: 'realm1' });
    const who = (await callWhenRegistered(client, 'com.example.whoami')) as Record<string, unknown>;
    expect(who).toMatchObject({
      authid: 'client_0',
      authrole: 'backend',
      authextra: {
        org: 'Acme',
        issuer: 'Interchange Test CA',
        sha1: expect.stringMatching(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/),
      },
    });
    await client.leave();
  }, 30_000);
});

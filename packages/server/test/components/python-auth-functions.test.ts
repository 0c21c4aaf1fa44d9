/**
 * Crossbar's `function` authenticators written in Python (`"create": "module.create_authenticator"`),
 * run in a Python child process of the node: a fixture cbdir in Crossbar's format
 * (test/fixtures/python-auth) whose authenticators (auth/gatekeeper/) are reached by real
 * clients, Autobahn|Python with a ticket and Autobahn|JS with WAMP-CRA.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { processExists } from '../../src/cli/pid-file.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { recordingLogger } from '../support/recording.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const FIXTURE = fileURLToPath(new URL('../fixtures/python-auth/', import.meta.url));
const CBDIR = `${FIXTURE}.crossbar`;
const TICKET_CLIENT = `${FIXTURE}auth/ticket_client.py`;
const LOCAL = { interface: '127.0.0.1', port: 0 };

async function fixtureConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${CBDIR}/config.json`, 'utf8')) as Record<string, unknown>;
}

/** Runs the Autobahn|Python ticket client; what it printed. */
function pythonTicketLogin(url: string, authid: string, ticket: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [TICKET_CLIENT, url, authid, ticket], { timeout: 30_000 }, (error, stdout, stderr) => {
      // The answer line; Twisted's own log lines follow it.
      const line = stdout.split('\n').find((l) => l.startsWith('{')) ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`client printed ${JSON.stringify(stdout)}: ${error?.message ?? ''} ${stderr}`));
      }
    });
  });
}

/** Opens an Autobahn|JS session; resolves with the WELCOME details, rejects with the ABORT reason. */
function craLogin(
  url: string,
  authid: string,
  sign: (extra: Record<string, unknown>) => string,
): Promise<{ authid: unknown; authrole: unknown }> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      url,
      realm: 'realm1',
      max_retries: 0,
      authmethods: ['wampcra'],
      authid,
      onchallenge: (_session, _method, extra) => sign(extra as Record<string, unknown>),
    });
    connection.onopen = (_session, details) => {
      const { authid: id, authrole } = details as { authid: unknown; authrole: unknown };
      connection.close();
      resolve({ authid: id, authrole });
    };
    connection.onclose = (reason, details) => {
      reject(new Error(`${reason}: ${String((details as { reason?: string }).reason)}`));
      return true;
    };
    connection.open();
  });
}

describe('Python function authenticators', () => {
  let node: InterchangeNode;
  let ws: string;
  let cra: string;
  const log = recordingLogger();

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: await fixtureConfig(),
      cbdir: CBDIR,
      logger: log.logger,
      overrides: LOCAL,
    });
    const urls = node.addresses[0]?.websocketUrls ?? [];
    ws = urls.find((u) => u.endsWith('/ws')) ?? '';
    cra = urls.find((u) => u.endsWith('/cra')) ?? '';
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
  });

  it('passes check', async () => {
    const result = await validateConfig(await fixtureConfig(), { cbdir: CBDIR });
    expect(result.ok).toBe(true);
  });

  it('lets an Autobahn|Python client in with the role the function returned', async () => {
    const answer = await pythonTicketLogin(ws, 'joe', 'secret!!!');
    expect(answer).toMatchObject({ joined: { authid: 'joe', authrole: 'frontend' } });
  }, 40_000);

  it('takes a principal dict: role and extra reach the client', async () => {
    const answer = await pythonTicketLogin(ws, 'ann', 'hunter2');
    // The function's authextra, beside what the router adds to every WELCOME's authextra as
    // Crossbar does (x_cb_node, x_cb_worker, x_cb_peer, x_cb_pid).
    expect(answer).toEqual({
      joined: {
        authid: 'ann',
        authrole: 'auditor',
        authextra: {
          desk: 7,
          seen: 'ticket',
          x_cb_node: expect.any(String),
          x_cb_worker: expect.any(String),
          x_cb_peer: expect.stringMatching(/^tcp4:127\.0\.0\.1:\d+$/),
          x_cb_pid: expect.any(Number),
        },
      },
    });
  }, 40_000);

  it("passes the function's ApplicationError on in ABORT", async () => {
    expect(await pythonTicketLogin(ws, 'joe', 'wrong')).toEqual({
      left: 'com.example.invalid_ticket',
      message: 'wrong ticket for joe',
    });
    expect(await pythonTicketLogin(ws, 'nobody', 'x')).toEqual({
      left: 'com.example.no_such_user',
      message: 'no user nobody',
    });
  }, 40_000);

  it('gives any other exception the uniform failure, its traceback in the log', async () => {
    const answer = await pythonTicketLogin(ws, 'buggy', 'x');
    expect(answer.left).toBe('wamp.error.authentication_failed');
    await log.waitFor((e) => String(e.msg).includes("KeyError: 'missing'"));
  }, 40_000);

  it("hands the factory the node's controller (expose_controller): its answers reach the client", async () => {
    await log.waitFor((e) => String(e.msg).includes('controller is <Interchange NodeController'));
    const answer = await pythonTicketLogin(ws, 'boss', 'x');
    expect(answer).toMatchObject({
      joined: {
        authid: 'boss',
        authrole: 'frontend',
        authextra: { pid: process.pid, workers: ['worker001'], type: 'router' },
      },
    });
  }, 40_000);

  it("answers a procedure the controller does not have with Crossbar's no_such_procedure", async () => {
    expect(await pythonTicketLogin(ws, 'nosy', 'x')).toEqual({
      left: 'com.example.controller_refused',
      message: 'wamp.error.no_such_procedure',
    });
  }, 40_000);

  it('runs an async WAMP-CRA function for Autobahn|JS, salted and not', async () => {
    const peter = await craLogin(cra, 'peter', (e) => {
      const key = autobahn.auth_cra.derive_key('secret1', e.salt as string, e.iterations as number, e.keylen as number);
      return autobahn.auth_cra.sign(key, e.challenge as string);
    });
    expect(peter).toEqual({ authid: 'peter', authrole: 'frontend' });
    const mary = await craLogin(cra, 'mary', (e) => autobahn.auth_cra.sign('plain-secret', e.challenge as string));
    expect(mary).toEqual({ authid: 'mary', authrole: 'auditor' });
    await expect(craLogin(cra, 'zed', () => 'x')).rejects.toThrow(/com\.example\.no_such_user/);
  }, 40_000);

  it('asks a Python function authorizer for each action of its role (Autobahn|JS)', async () => {
    const { session, connection } = await new Promise<{ session: autobahn.Session; connection: autobahn.Connection }>(
      (resolve, reject) => {
        const connection = new autobahn.Connection({
          url: ws,
          realm: 'realm1',
          max_retries: 0,
          authmethods: ['ticket'],
          authid: 'gus',
          onchallenge: () => 'guest',
        });
        connection.onopen = (session) => resolve({ session, connection });
        connection.onclose = (reason) => {
          reject(new Error(reason));
          return true;
        };
        connection.open();
      },
    );
    try {
      await session.subscribe('com.example.open.news', () => undefined);
      await expect(session.subscribe('com.example.secret', () => undefined)).rejects.toMatchObject({
        error: 'wamp.error.not_authorized',
      });
      await expect(session.call('com.example.open.news', [])).rejects.toMatchObject({
        error: 'wamp.error.not_authorized',
      });
      await log.waitFor((e) => String(e.msg).includes('authorize gus subscribe com.example.secret: False'));
    } finally {
      connection.close();
    }
  }, 40_000);

  it('starts the process again when it dies; the call it was on fails, later ones work', async () => {
    const ready = (n: number) =>
      log.entries.filter((e) =>
        String(e.msg).includes('[function gatekeeper.tickets.create_authenticator] Python process ready'),
      ).length >= n;
    expect(ready(1)).toBe(true);
    const answer = await pythonTicketLogin(ws, 'crash', 'x');
    expect(answer.left).toBe('wamp.error.authentication_failed');
    await log.waitFor((e) => String(e.msg).includes('Python process exited with code 5; restarting'));
    await log.waitFor(() => ready(2));
    expect(await pythonTicketLogin(ws, 'joe', 'secret!!!')).toMatchObject({ joined: { authrole: 'frontend' } });
  }, 60_000);

  it('stops the processes with the node', async () => {
    const pids = log.entries
      .filter((e) => String(e.msg).includes('Python process ready'))
      .map((e) => e.obj.pid as number);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await node.stop();
    for (const pid of pids) expect(processExists(pid)).toBe(false);
  }, 30_000);
});

describe('a Python function that cannot be created', () => {
  it('fails the start, naming the key', async () => {
    const config = await fixtureConfig();
    const text = JSON.stringify(config).replace(
      'gatekeeper.crausers.create_authenticator',
      'gatekeeper.crausers.nothing_here',
    );
    await expect(InterchangeNode.start({ config: JSON.parse(text), cbdir: CBDIR, overrides: LOCAL })).rejects.toThrow(
      /paths\.cra\.auth\.wampcra\.create.*gatekeeper\.crausers\.nothing_here.*AttributeError/,
    );
  }, 60_000);

  it('is reported by check when its module is not on the pythonpath', async () => {
    const config = await fixtureConfig();
    const text = JSON.stringify(config).replace('gatekeeper.crausers', 'gonekeeper.crausers');
    const result = await validateConfig(JSON.parse(text), { cbdir: CBDIR });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: 'workers[0].transports[0].paths.cra.auth.wampcra.create',
        message: expect.stringContaining('Python module "gonekeeper" not found'),
      }),
    );
  });
});

/**
 * The login throttle against a real node (issue 12): 200 sessions opened in parallel from one
 * address with wrong tickets and the right one among them got 199 tickets checked and the right
 * one accepted; and anyone knowing an authid could lock its owner out. Attempts now count as
 * they start, per authid and address pair (packages/router/src/auth/auth-throttle.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

/** One ticket login over WebSocket from `localAddress`; resolves with the message that ended it. */
function login(url: string, ticket: string, localAddress = '127.0.0.1'): Promise<'WELCOME' | string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'wamp.2.json', { localAddress });
    ws.on('error', reject);
    ws.on('open', () =>
      ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {} }, authmethods: ['ticket'], authid: 'joe' }])),
    );
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as unknown[];
      if (message[0] === 4) ws.send(JSON.stringify([5, ticket, {}]));
      else {
        ws.close();
        resolve(message[0] === 2 ? 'WELCOME' : String(message[2]));
      }
    });
  });
}

describe('login throttle', () => {
  let node: InterchangeNode;
  let url: string;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig(
      [
        {
          type: 'websocket',
          endpoint: LOCAL_ENDPOINT,
          auth: { ticket: { type: 'static', principals: { joe: { ticket: 'right-ticket', role: 'user' } } } },
        },
      ],
      {
        options: { auth_throttle: { authid: { max_failures: 3, window: 60_000, lockout: 60_000 } } },
        realms: [
          {
            name: 'realm1',
            roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }],
          },
        ],
      },
    );
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    url = node.addresses[0]!.websocketUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('checks at most the limit of 200 parallel attempts from one address, and the owner elsewhere still gets in', async () => {
    const tickets = Array.from({ length: 200 }, (_, i) => (i === 150 ? 'right-ticket' : `guess-${i}`));
    const outcomes = await Promise.all(tickets.map((ticket) => login(url, ticket)));
    // The right ticket came late: its session was refused before its ticket was looked at.
    expect(outcomes[150]).toBe('wamp.error.authentication_failed');
    const checked = log.entries.filter((e) => e.msg === 'authentication failed' && e.obj.authmethod === 'ticket');
    expect(checked.length).toBeLessThanOrEqual(3);
    expect(
      log.entries.filter((e) => e.msg === 'authentication refused: too many failed attempts').length,
    ).toBeGreaterThanOrEqual(197);
    // The attacker's address is locked out for joe, even with the right ticket...
    expect(await login(url, 'right-ticket')).toBe('wamp.error.authentication_failed');
    // ...but the owner, connecting from another address, is not.
    expect(await login(url, 'right-ticket', '127.0.0.2')).toBe('WELCOME');
  });
});

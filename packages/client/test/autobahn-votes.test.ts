import { afterEach, describe, expect, it } from 'vitest';
import { autobahn } from '../src/autobahn.js';
import { MiniRouter } from './helpers/mini-router.js';

let router: MiniRouter | undefined;
afterEach(async () => {
  await router?.close();
  router = undefined;
});

/**
 * The votes demo of the seed article, as written for Autobahn|JS (only the router URL and the
 * stripped procedure URI filled in), run against the compat surface over a real WebSocket.
 */
describe('the Autobahn votes demo runs unchanged', () => {
  it('back end registers and publishes; front end calls and receives vote updates', async () => {
    router = await MiniRouter.start();
    const url = router.url;

    // ---- back end (a browser tab in the article) ----
    var votes: any = { Banana: 0, Chocolate: 0, Lemon: 0 };
    var backendConnection = new autobahn.Connection({
      url: url,
      realm: 'votesapp',
    });
    var backendReady = new Promise<void>((resolve) => {
      backendConnection.onopen = (session, details) => {
        var submitVote = (args: unknown[], kwargs: unknown, details: unknown) => {
          var flavor = args[0] as string;
          votes[flavor] += 1;

          var res = {
            subject: flavor,
            votes: votes[flavor],
          };

          session.publish('com.example.votedemo.on_vote', [res]);

          return votes[flavor];
        };
        session.register('com.example.votedemo.vote', submitVote).then(() => {
          resolve();
        });
      };
    });
    backendConnection.open();
    await backendReady;

    // ---- front end ----
    var updates: unknown[] = [];
    var submitted: unknown[] = [];
    var updateVotes = (args: unknown[]) => {
      updates.push(args[0]);
    };
    var onVoteSubmitted = (count: unknown) => {
      submitted.push(count);
    };
    var connection = new autobahn.Connection({
      url: url,
      realm: 'votesapp',
    });
    var frontendReady = new Promise<any>((resolve) => {
      connection.onopen = (session, details) => {
        session.subscribe('com.example.votedemo.on_vote', updateVotes).then(() => {
          resolve(session);
        });
      };
    });
    connection.open();
    var session = await frontendReady;

    var flavor = 'Banana';
    await session.call('com.example.votedemo.vote', [flavor]).then(onVoteSubmitted);
    await session.call('com.example.votedemo.vote', ['Lemon']).then(onVoteSubmitted);
    await session.call('com.example.votedemo.vote', [flavor]).then(onVoteSubmitted);
    // Each EVENT left the router before the RESULT of the call that caused it.

    expect(submitted).toEqual([1, 1, 2]);
    expect(updates).toEqual([
      { subject: 'Banana', votes: 1 },
      { subject: 'Lemon', votes: 1 },
      { subject: 'Banana', votes: 2 },
    ]);

    var closes: string[] = [];
    connection.onclose = (reason) => {
      closes.push(reason);
      return undefined;
    };
    await connection.close();
    await backendConnection.close();
    expect(closes).toEqual(['closed']);
  });

  it('an Autobahn client reconnects after the router drops it, and onopen sets the session up again', async () => {
    router = await MiniRouter.start();
    var opens = 0;
    var connection = new autobahn.Connection({
      url: router.url,
      realm: 'votesapp',
      initial_retry_delay: 0.01,
      retry_delay_jitter: 0,
    });
    var markOpened: () => void = () => {};
    var opened = new Promise<void>((resolve) => {
      markOpened = resolve;
    });
    var reopened = new Promise<void>((resolve) => {
      connection.onopen = (session) => {
        opens += 1;
        session
          .register('com.example.votedemo.ping', () => 'pong')
          .then(() => {
            if (opens === 1) markOpened();
            if (opens === 2) resolve();
          });
      };
    });
    var closeReasons: unknown[] = [];
    connection.onclose = (reason, details) => {
      closeReasons.push([reason, details.will_retry]);
      return undefined;
    };
    connection.open();
    await opened;
    router.dropAll();
    await reopened;
    expect(closeReasons).toEqual([['lost', true]]);
    await connection.close();
  });
});

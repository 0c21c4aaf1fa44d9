/**
 * The votes demo backend as a Node component, started by the node with the router (the
 * `components` entry of .interchange/config.json). It is the backend of seeds 000/001, which
 * ran in a browser tab; web/backend.html still runs it there.
 *
 * Procedures:  com.example.votedemo.vote(flavor) -> new count
 *              com.example.votedemo.get() -> [{subject, votes}]
 *              com.example.votedemo.reset() -> nothing
 * Topics:      com.example.votedemo.on_vote [{subject, votes}]
 *              com.example.votedemo.on_reset
 */
import { ApplicationError } from '@interchange/client';
import { INVALID_FLAVOR, VoteTally } from './vote-tally.js';

const DEFAULT_FLAVORS = ['banana', 'chocolate', 'lemon'];

/**
 * @param {import('@interchange/client').Session} session the session the node opened for us
 * @param {{ flavors?: string[] }} [extra] the component's `extra` from the config
 */
export default async function votesBackend(session, extra = {}) {
  const tally = new VoteTally(extra.flavors ?? DEFAULT_FLAVORS);

  await session.register('com.example.votedemo.vote', ({ args }) => {
    const flavor = args[0];
    if (!tally.has(flavor)) {
      throw new ApplicationError(INVALID_FLAVOR, { args: [`no such flavor: ${String(flavor)}`] });
    }
    const votes = tally.vote(/** @type {string} */ (flavor));
    session.publish('com.example.votedemo.on_vote', [{ subject: flavor, votes }]);
    return votes;
  });

  await session.register('com.example.votedemo.get', () => tally.standings());

  await session.register('com.example.votedemo.reset', () => {
    tally.reset();
    session.publish('com.example.votedemo.on_reset');
  });
}

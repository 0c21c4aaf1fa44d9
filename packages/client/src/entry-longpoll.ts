/**
 * `@interchange/client/longpoll`: WAMP over HTTP long-poll (fetch). Importing it lets
 * `transports: [{ type: 'longpoll', url }]` and `connect({ url: 'http://...' })` use long-poll;
 * the core entry point leaves it out (transport-registry.ts).
 *
 * @example
 * import { Connection } from '@interchange/client/core';
 * import '@interchange/client/longpoll';
 * new Connection({ realm: 'realm1', transports: [{ type: 'websocket', url: wsUrl }, { type: 'longpoll', url: lpUrl }] });
 */
import { InvalidArgumentError } from '@interchange/protocol';
import { longPollAvailable, longPollTransportFactory } from './transport-longpoll.js';
import { registerTransport } from './transport-registry.js';

registerTransport('longpoll', {
  unavailableReason: (defaults) =>
    longPollAvailable(defaults.fetch) ? undefined : 'long-poll needs fetch, which this runtime lacks',
  entryFactory: (entry, defaults, { url, ...shared }) => {
    if (url === undefined) throw new InvalidArgumentError('a longpoll transport needs a url');
    const factory = longPollTransportFactory({
      url,
      ...shared,
      ...(entry.request_timeout === undefined ? {} : { requestTimeout: entry.request_timeout }),
      ...(defaults.fetch === undefined ? {} : { fetch: defaults.fetch }),
    });
    return { label: `longpoll ${url}`, factory };
  },
});

export type { FetchLike, LongPollTransportOptions } from './transport-longpoll.js';
export { connectLongPoll, LongPollTransport, longPollTransportFactory } from './transport-longpoll.js';

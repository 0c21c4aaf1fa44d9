import {
  ApplicationError,
  InvalidArgumentError,
  type Dict,
  type ErrorMessage,
  type PublishedMessage,
} from '@interchange/protocol';
import { deferred } from './deferred.js';
import { Publication } from './event.js';
import { checkArguments, fromWirePayload, isOptionsObject, isPlainDict, toWirePayload } from './payload.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { checkUri } from './uri-check.js';

/** Options of `Session.publish`. Snake_case names are PUBLISH.Options keys sent as they are. */
export interface PublishOptions {
  /** Keyword payload. */
  kwargs?: Record<string, unknown>;
  /** Ask the broker to acknowledge: the promise resolves to the `Publication` or rejects on ERROR. */
  acknowledge?: boolean;
  /** Whether the publisher receives its own event when subscribed. Brokers default to `true` (excluded). */
  exclude_me?: boolean;
  /** Session IDs that must not receive the event (spec: advanced "Subscriber Black- and Whitelisting"). */
  exclude?: number[];
  exclude_authid?: string[];
  exclude_authrole?: string[];
  /** Only these session IDs may receive the event. */
  eligible?: number[];
  eligible_authid?: string[];
  eligible_authrole?: string[];
  /** Ask the broker to disclose the publisher to subscribers (spec: advanced "Publisher Identification"). */
  disclose_me?: boolean;
  /** Ask the broker to retain the event for late subscribers (spec: advanced "Event Retention"). */
  retain?: boolean;
  /** Further PUBLISH.Options, merged in as they are. */
  extra?: Dict;
}

const PASSTHROUGH_OPTIONS = [
  'acknowledge',
  'exclude_me',
  'exclude',
  'exclude_authid',
  'exclude_authrole',
  'eligible',
  'eligible_authid',
  'eligible_authrole',
  'disclose_me',
  'retain',
] as const satisfies readonly (keyof PublishOptions)[];

/** The publisher role (spec: basic "Publishing and Events"). */
export class Publisher {
  readonly #ctx: SessionContext;
  readonly #pending = new Map<number, Settle<Publication>>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
  }

  publish(topic: string, args: unknown[] | undefined, options: PublishOptions): Promise<Publication | undefined> {
    checkUri('publish: topic', topic);
    if (!isOptionsObject(options)) throw new InvalidArgumentError('publish: options must be an object');
    checkArguments('publish', args, options.kwargs);
    if (options.extra !== undefined && !isPlainDict(options.extra)) {
      throw new InvalidArgumentError('publish: extra must be an object');
    }
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    const wireOptions: Dict = { ...options.extra };
    for (const key of PASSTHROUGH_OPTIONS) {
      if (options[key] !== undefined) wireOptions[key] = options[key];
    }
    const id = this.#ctx.nextRequestId();
    const message = { type: 'PUBLISH', requestId: id, options: wireOptions, topic, ...toWirePayload(args, options.kwargs) } as const;
    if (options.acknowledge !== true) {
      // Unacknowledged: fire and forget (spec: basic "PUBLISH"); the broker sends nothing back.
      this.#ctx.send(message);
      return Promise.resolve(undefined);
    }
    this.#ctx.send(message);
    const published = deferred<Publication>();
    this.#pending.set(id, published);
    return published.promise;
  }

  handlePublished(message: PublishedMessage): Handled {
    const pending = this.#pending.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#pending.delete(message.requestId);
    pending.resolve(new Publication(message.publication));
    return 'ok';
  }

  handleError(message: ErrorMessage): Handled {
    const pending = this.#pending.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#pending.delete(message.requestId);
    pending.reject(new ApplicationError(message.error, { ...fromWirePayload(message), details: message.details }));
    return 'ok';
  }

  close(error: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const settle of pending) settle.reject(error);
  }
}

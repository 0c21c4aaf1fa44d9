import {
  ApplicationError,
  type Dict,
  type ErrorMessage,
  InvalidArgumentError,
  type PublishedMessage,
} from '@interchange/protocol';
import { deferred } from './deferred.js';
import { Publication } from './event.js';
import { applyPassthru, type PassthruOptions, passthruNotSupported } from './passthru.js';
import { checkArguments, fromWirePayload, isOptionsObject, isPlainDict, toWirePayload } from './payload.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { checkUri } from './uri-check.js';

/**
 * Options of `Session.publish`. Snake_case names are PUBLISH.Options keys sent as they are.
 * The passthru attributes (`ppt_scheme`, ...) publish in payload passthru mode (spec: advanced
 * "Payload Passthru Mode"): `args` must then be one `Uint8Array`, which subscribers get as is.
 */
export interface PublishOptions extends Partial<PassthruOptions> {
  /** Keyword payload. */
  kwargs?: Record<string, unknown>;
  /** Ask the broker to acknowledge: the promise resolves to the `Publication` or rejects on ERROR. */
  acknowledge?: boolean;
  /** Whether the publisher receives its own event when subscribed. Brokers default to `true` (excluded). */
  exclude_me?: boolean;
  /** Session IDs that must not receive the event (spec: advanced "Subscriber Black- and Whitelisting"). */
  exclude?: number[];
  /** Sessions with these authids must not receive the event. */
  exclude_authid?: string[];
  /** Sessions with these authroles must not receive the event. */
  exclude_authrole?: string[];
  /** Only these session IDs may receive the event (all whitelists and blacklists apply together). */
  eligible?: number[];
  /** Only sessions with these authids may receive the event. */
  eligible_authid?: string[];
  /** Only sessions with these authroles may receive the event. */
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

const ID_LISTS = ['exclude', 'eligible'] as const;
const STRING_LISTS = ['exclude_authid', 'exclude_authrole', 'eligible_authid', 'eligible_authrole'] as const;

/** Black- and whitelists must be lists of session IDs or of strings (checked here rather than by the broker). */
function checkLists(options: PublishOptions): void {
  for (const key of ID_LISTS) {
    const list: unknown = options[key];
    if (
      list !== undefined &&
      !(Array.isArray(list) && list.every((id) => Number.isSafeInteger(id) && (id as number) > 0))
    ) {
      throw new InvalidArgumentError(`publish: ${key} must be a list of session IDs`);
    }
  }
  for (const key of STRING_LISTS) {
    const list: unknown = options[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string'))) {
      throw new InvalidArgumentError(`publish: ${key} must be a list of strings`);
    }
  }
}

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
    checkLists(options);
    const wireOptions: Dict = { ...options.extra };
    for (const key of PASSTHROUGH_OPTIONS) {
      if (options[key] !== undefined) wireOptions[key] = options[key];
    }
    const passthru = applyPassthru('publish', options, args, options.kwargs, wireOptions);
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    // Spec: "Payload Passthru Mode": a passthru PUBLISH to a broker that did not announce the
    // feature is a protocol violation; it is refused here instead.
    if (passthru && !this.#ctx.routerHasFeature('broker', 'payload_passthru_mode')) {
      return Promise.reject(passthruNotSupported(`publish to ${topic}`, 'broker'));
    }
    const id = this.#ctx.nextRequestId();
    const message = {
      type: 'PUBLISH',
      requestId: id,
      options: wireOptions,
      topic,
      ...toWirePayload(args, options.kwargs),
    } as const;
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

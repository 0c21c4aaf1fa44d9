import { type Deferred, deferred } from './deferred.js';

/**
 * How a registration or subscription ended: what `Registration.ended` and `Subscription.ended`
 * resolve to.
 *
 * @example
 * const reg = await session.register('com.example.job', run);
 * reg.ended.then(({ how, reason }) => {
 *   if (how === 'revoked') log.warn({ reason }, 'the router took our registration away');
 * });
 */
export interface EndedInfo {
  /**
   * `local`: this client unregistered or unsubscribed; `revoked`: the router ended it (spec:
   * advanced "Registration Revocation", "Subscription Revocation"); `session-closed`: the
   * session ended.
   */
  how: 'local' | 'revoked' | 'session-closed';
  /** The router's reason for a revocation (e.g. `wamp.error.unregistered`), if it gave one. */
  reason: string | undefined;
}

/**
 * The `ended` promise of a registration or subscription and the function that settles it once.
 * @internal
 */
export class EndedSignal {
  readonly #deferred: Deferred<EndedInfo> = deferred<EndedInfo>();
  #done = false;

  /** Resolves once, when the registration or subscription ends; never rejects. */
  get promise(): Promise<EndedInfo> {
    return this.#deferred.promise;
  }

  /** Settles the promise; later calls are ignored. */
  end(info: EndedInfo): void {
    if (this.#done) return;
    this.#done = true;
    this.#deferred.resolve(info);
  }
}

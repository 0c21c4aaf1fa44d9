/**
 * A publication on its way through the broker: the checks it passes (topic, reservation,
 * authorization, black- and whitelisting), the shape its delivery needs, its hand-over to a
 * cluster, and the acknowledgement that waits for a persistent store. Separate from the broker,
 * which keeps the subscriptions and delivers: these steps need only the arguments they are given.
 */
import { type Dict, ErrorUri, type Id, isValidUri, MessageCode, type Payload, randomId } from '@interchange/protocol';
import type { BrokerClusterHooks } from '../cluster-backend.js';
import { withForwardFor } from '../forward-for.js';
import type { Logger } from '../logger.js';
import { copyPassthruAttributes } from '../passthru.js';
import { identityDetails, isReservedFor, routerError } from '../payload.js';
import { Action } from '../realm/realm-config.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { RealmStore } from '../realm/realm-store.js';
import type { Authorization, StaticAuthorizer } from '../realm/static-authorizer.js';
import { compileReceiverFilter, type FilterSubject, type ReceiverFilter } from './receiver-filter.js';

/** Why a publication is refused: the ERROR it gets when acknowledged. */
export interface PublicationRefusal {
  readonly error: string;
  readonly message: string;
}

export function isRefusal(outcome: PublicationRefusal | Authorization | Publication): outcome is PublicationRefusal {
  return (outcome as Partial<PublicationRefusal>).error !== undefined;
}

/** A publication ready to go out. */
export interface Publication {
  readonly id: Id;
  readonly topic: string;
  readonly options: Dict;
  /** Who published; `undefined` for the router's own meta events. */
  readonly publisher: FilterSubject | undefined;
  readonly excludeMe: boolean;
  readonly filter: ReceiverFilter | undefined;
  /** Details every EVENT of the publication carries. */
  readonly common: Dict;
  readonly payload: Payload;
  /** What to do with it: deliver and retain (`all`), or one of them (publications of other nodes). */
  readonly part: 'all' | 'deliver' | 'retain';
}

/** The checks of a publication's topic: valid, not reserved, authorized. */
export function authorizePublication(
  authorizer: StaticAuthorizer,
  publisher: FilterSubject,
  topic: string,
): PublicationRefusal | Authorization {
  if (!isValidUri(topic)) return { error: ErrorUri.INVALID_URI, message: `invalid topic URI '${topic}'` };
  // Spec: basic profile "Reserved URIs": application URIs MUST NOT start with `wamp`; the
  // `wamp.` topics are the router's own meta events; only the trusted role may publish there.
  // Crossbar answers invalid_uri too.
  if (isReservedFor(topic, publisher.authrole))
    return { error: ErrorUri.INVALID_URI, message: `topic '${topic}' is reserved for the router` };
  const authorization = authorizer.authorize(publisher.authrole, topic, Action.PUBLISH);
  if (!authorization.allowed)
    return { error: ErrorUri.NOT_AUTHORIZED, message: `session is not authorized to publish to '${topic}'` };
  return authorization;
}

/** The checks of a publication, and what its delivery needs; or why it is refused. */
export function preparePublication(
  authorizer: StaticAuthorizer,
  publisher: FilterSubject,
  topic: string,
  options: Dict,
  payload: Payload,
  id: Id,
  part: 'all' | 'deliver' | 'retain',
): Publication | PublicationRefusal {
  const authorization = authorizePublication(authorizer, publisher, topic);
  if (isRefusal(authorization)) return authorization;
  const filtering = compileReceiverFilter(options);
  if (!filtering.ok) return { error: ErrorUri.INVALID_ARGUMENT, message: filtering.message };
  const disclose = options.disclose_me === true || authorization.disclosePublisher;
  return {
    id,
    topic,
    options,
    publisher,
    // Advanced profile "Publisher Exclusion": the publisher is left out unless exclude_me is false.
    excludeMe: options.exclude_me !== false,
    filter: filtering.filter,
    // What every EVENT says: who published, on request or by the role's config (advanced
    // profile "Publisher Identification"), and how to read a passthru payload ("Payload
    // Passthru Mode").
    common: withForwardFor(
      copyPassthruAttributes(disclose ? identityDetails('publisher', publisher) : {}, options),
      options,
      publisher,
    ),
    payload,
    part,
  };
}

/**
 * A meta event of the router itself (spec: "Meta API": "Meta events are created by the router
 * itself"): no publisher, nobody excluded.
 */
export function metaPublication(topic: string, args: unknown[]): Publication {
  return {
    id: randomId(),
    topic,
    options: {},
    publisher: undefined,
    excludeMe: false,
    filter: undefined,
    common: {},
    payload: { args },
    part: 'all',
  };
}

/** Hands a publication of this node to the cluster, if there is one; or why it cannot go. */
export function offerToCluster(
  cluster: BrokerClusterHooks | undefined,
  p: Publication,
): PublicationRefusal | undefined {
  if (cluster === undefined || p.publisher === undefined) return undefined;
  return cluster.published({
    id: p.id,
    topic: p.topic,
    options: p.options,
    publisher: p.publisher,
    payload: p.payload,
  });
}

/**
 * With a persistent realm store, PUBLISHED waits until what the publication wrote (history,
 * retained event) is on disk, so an acknowledged event survives a crash (docs/durability.md);
 * a failed write answers ERROR `wamp.error.unavailable` instead. Call right after dispatching.
 */
export function acknowledgeWhenDurable(
  store: RealmStore,
  logger: Logger,
  session: RealmMember,
  requestId: Id,
  publication: Id,
  topic: string,
): void {
  const durable = store.durable();
  if (durable === undefined) {
    session.send({ type: 'PUBLISHED', requestId, publication });
    return;
  }
  durable.then(
    () => session.send({ type: 'PUBLISHED', requestId, publication }),
    (error: unknown) => {
      logger.error({ err: error, topic }, 'realm store write failed; publication not acknowledged');
      session.send(
        routerError(MessageCode.PUBLISH, requestId, ErrorUri.UNAVAILABLE, 'the realm store could not keep it'),
      );
    },
  );
}

/**
 * `@interchange/client/meta`: `session.meta`, typed helpers over the router's meta API (spec:
 * advanced "Meta API"). The core entry point leaves it out (meta-registry.ts).
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/meta';
 * const ids = await session.meta.sessions.list();
 */
import { MetaApi } from './meta-api.js';
import { registerMetaApi } from './meta-registry.js';

registerMetaApi((session) => new MetaApi(session));

export type { MetaEventHandler, TestamentOptions, TestamentPublishOptions, TestamentScope } from './meta-api.js';
export { MetaApi } from './meta-api.js';
export type { KillOptions } from './meta-procedures.js';
export { RegistrationMeta, SessionMeta, SubscriptionMeta } from './meta-procedures.js';
export type {
  HistoryEvent,
  HistoryQuery,
  IdsByMatch,
  MetaEvents,
  MetaIdEvent,
  MetaTopic,
  RegistrationInfo,
  SessionInfo,
  SubscriptionInfo,
} from './meta-types.js';
export { META_TOPICS } from './meta-types.js';

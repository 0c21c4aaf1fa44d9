/**
 * From the validated node config to what the router takes. The shapes are Crossbar's on both
 * sides; this drops absent optional keys (the router's types are exact about them) and adds the
 * `trusted` role hosted components run under when their config names no role.
 */
import type { AuthorizeFunction, PermissionConfig, RealmConfig, RoleConfig, StoreConfig } from '@interchange/router';
import { codecRealmsOf } from '../mqtt/payload-mapping.js';
import { loadedFunction } from './auth-functions.js';
import type { RealmConfigEntry, RouterWorkerConfig } from './config-schema.js';
import { dialectOf } from './dialect-schema.js';
import { realmLimitsOf } from './realm-limits-schema.js';
import { sessionStatsOf } from './session-stats-schema.js';

type PermissionEntry = NonNullable<NonNullable<RealmConfigEntry['roles']>[number]['permissions']>[number];

/** The role of hosted components without a configured role, as in Crossbar. */
export const TRUSTED_ROLE = 'trusted';

/** Copies `source` without its `undefined` values. */
function defined<T extends object>(source: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function permission(entry: PermissionEntry): PermissionConfig {
  const out: PermissionConfig = { uri: entry.uri, allow: defined(entry.allow) };
  if (entry.match !== undefined) out.match = entry.match;
  if (entry.disclose !== undefined) out.disclose = defined(entry.disclose);
  if (entry.cache !== undefined) out.cache = entry.cache;
  return out;
}

/** A role allowed everything, for hosted components. */
export function trustedRole(): RoleConfig {
  return {
    name: TRUSTED_ROLE,
    permissions: [
      {
        uri: '',
        match: 'prefix',
        allow: { call: true, register: true, publish: true, subscribe: true },
        disclose: { caller: true, publisher: true },
      },
    ],
  };
}

/** Everything, on every URI: a role with `allow-by-default: true`. */
const ALLOW_EVERYTHING: PermissionConfig = {
  uri: '',
  match: 'prefix',
  allow: { call: true, register: true, publish: true, subscribe: true },
};

/**
 * The realms of a router worker in the router's shape. A realm with roles gets the `trusted`
 * role if one of the worker's components joins it without a role and the config does not define
 * `trusted` itself.
 */
export function realmsOfWorker(worker: RouterWorkerConfig): RealmConfig[] {
  // The MQTT bridge calls the codecs of dynamic payload mappings as a trusted session (mqtt/payload-mapping.ts).
  const mqttCodecRealms = new Set(
    worker.transports.flatMap((transport) =>
      transport.type === 'mqtt'
        ? codecRealmsOf(transport.options)
        : transport.type === 'universal' && transport.mqtt !== undefined
          ? codecRealmsOf(transport.mqtt.options)
          : [],
    ),
  );
  return worker.realms.map((realm) => {
    const store = {
      ...(realm.store === undefined ? {} : { store: storeOf(realm.store) }),
      ...(realm.dialect === undefined ? {} : { dialect: dialectOf(realm.dialect) }),
      ...(realm.limits === undefined ? {} : { limits: realmLimitsOf(realm.limits) }),
      ...(realm.stats === undefined ? {} : { stats: sessionStatsOf(realm.stats) }),
    };
    if (realm.roles === undefined) return { name: realm.name, ...store };
    const roles: RoleConfig[] = realm.roles.map((role) => {
      if (typeof role.authorizer === 'string') return { name: role.name, authorizer: role.authorizer };
      if (role.authorizer !== undefined)
        return { name: role.name, authorizer: loadedFunction<AuthorizeFunction>(role.authorizer) };
      // Crossbar's plain role (neither permissions nor authorizer): allow-by-default decides
      // every action on every URI, without disclosure; the empty prefix says exactly that.
      if (role.permissions === undefined && role['allow-by-default'] === true)
        return { name: role.name, permissions: [ALLOW_EVERYTHING] };
      return { name: role.name, permissions: (role.permissions ?? []).map(permission) };
    });
    // Router links join their realm as `trusted`, as Crossbar's do (src/rlinks/router-link.ts); so do
    // the MQTT transports' dynamic payload codecs' callers.
    const needsTrusted =
      worker.components.some((c) => c.realm === realm.name && c.role === undefined) ||
      (realm.rlinks?.length ?? 0) > 0 ||
      mqttCodecRealms.has(realm.name);
    if (needsTrusted && !roles.some((role) => role.name === TRUSTED_ROLE)) roles.push(trustedRole());
    return { name: realm.name, roles, ...store };
  });
}

/** A realm's `store` block in the router's shape. */
export function storeOf(store: NonNullable<RealmConfigEntry['store']>): StoreConfig {
  const out: StoreConfig = { type: store.type };
  if (store.path !== undefined) out.path = store.path;
  if (store.maxsize !== undefined) out.maxsize = store.maxsize;
  if (store.sync !== undefined) out.sync = store.sync;
  if (store.limit !== undefined) out.limit = store.limit;
  if (store['event-history'] !== undefined)
    out['event-history'] = store['event-history'].map((entry) => defined(entry));
  if (store['call-queue'] !== undefined) out['call-queue'] = store['call-queue'].map((entry) => defined(entry));
  return out;
}

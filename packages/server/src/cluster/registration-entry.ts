import { type Id, isValidId, RpcFeature } from '@interchange/protocol';
import type { Callee, RealmMember, RegistrationDetails } from '@interchange/router';
import { subjectToken } from './subject-tokens.js';

/**
 * One callee on one registration, as the cluster's registration table (a JetStream key-value
 * bucket every node mirrors) holds it. The key says where it lives:
 * `<realm token>.<node>.<session>.<registration>`; the value says what another node needs to route
 * calls to it.
 */
export interface RegistrationEntry {
  readonly realm: string;
  readonly node: string;
  readonly session: Id;
  readonly authid: string;
  readonly authrole: string;
  /** The callee features the session announced. */
  readonly features: string[];
  /** The registration ID on the holding node (what the callee got in REGISTERED). */
  readonly registration: Id;
  readonly procedure: string;
  readonly match: string;
  readonly invoke: string;
  readonly discloseCaller: boolean;
  readonly forwardTimeout: boolean;
}

const RPC_FEATURES = Object.values(RpcFeature);

/** The table key of a callee on a registration. */
export function registrationKey(realm: string, node: string, session: Id, registration: Id): string {
  return `${subjectToken(realm)}.${node}.${session}.${registration}`;
}

/** The key filter of every entry of one node. */
export function nodeKeys(node: string): string {
  return `*.${node}.>`;
}

/** The node a table key belongs to, or `undefined` for a key not of this shape. */
export function nodeOfKey(key: string): string | undefined {
  const parts = key.split('.');
  return parts.length === 4 ? parts[1] : undefined;
}

/** The table entry of a local callee. */
export function entryOf(
  realm: string,
  node: string,
  registration: RegistrationDetails,
  callee: Callee,
): RegistrationEntry {
  const session: RealmMember = callee.session;
  return {
    realm,
    node,
    session: session.id,
    authid: session.authid,
    authrole: session.authrole,
    features: RPC_FEATURES.filter((feature) => session.announces('callee', feature)),
    registration: registration.id,
    procedure: registration.uri,
    match: registration.match,
    invoke: registration.invoke,
    discloseCaller: callee.discloseCaller,
    forwardTimeout: callee.forwardTimeout,
  };
}

/** Reads a table value written by another node; `undefined` when it is not an entry. */
export function readEntry(value: unknown): RegistrationEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<Record<keyof RegistrationEntry, unknown>>;
  const strings = [e.realm, e.node, e.authid, e.authrole, e.procedure, e.match, e.invoke];
  if (!strings.every((s) => typeof s === 'string')) return undefined;
  if (!isValidId(e.session) || !isValidId(e.registration)) return undefined;
  if (!Array.isArray(e.features) || !e.features.every((f) => typeof f === 'string')) return undefined;
  if (typeof e.discloseCaller !== 'boolean' || typeof e.forwardTimeout !== 'boolean') return undefined;
  return e as RegistrationEntry;
}

import { type Dict, ErrorUri, type Id } from '@interchange/protocol';
import type { Broker } from '../broker/broker.js';
import type { Dealer } from '../dealer/dealer.js';
import type { RegistrationDetails } from '../dealer/registration-store.js';
import type { RealmMember } from '../realm/realm-member.js';
import {
  metaError,
  noSuchSession,
  onlyArgument,
  readId,
  readLookupArguments,
  readRemoveArguments,
  readUri,
} from './meta-arguments.js';
import type { RouterProcedures } from './router-procedures.js';

/** What the registration meta API needs from its realm. */
export interface RegistrationMetaContext {
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly procedures: RouterProcedures;
  /** The attached session with this ID. */
  session(id: Id): RealmMember | undefined;
}

/** `RegistrationDetails` as the wire carries them (spec: "Registration Meta API", "Object Schemas"). */
function detailsDict(registration: RegistrationDetails): Dict {
  const { id, created, uri, match, invoke } = registration;
  return { id, created, uri, match, invoke };
}

/**
 * Installs the registration meta API on a realm (advanced profile "Registration Meta API"):
 * the meta events `wamp.registration.on_create|on_register|on_unregister|on_delete`, fed by the
 * dealer's observer, and the procedures `list`, `lookup`, `match`, `get`, `list_callees`,
 * `count_callees`, plus Crossbar's `remove_callee` (service.py `registration_remove_callee`),
 * which revokes a registration (advanced profile "Registration Revocation").
 *
 * Clients cannot register `wamp.` procedures (basic profile "Reserved URIs"), so unlike the
 * subscription meta API there is nothing of the meta API's own to hide here.
 */
export function installRegistrationMetaApi(context: RegistrationMetaContext): void {
  const { broker, dealer, procedures } = context;

  dealer.setObserver({
    onCreate: (registration, session) =>
      broker.publishMetaEvent('wamp.registration.on_create', () => [session.id, detailsDict(registration)]),
    onRegister: (registration, session) =>
      broker.publishMetaEvent('wamp.registration.on_register', () => [session.id, registration.id]),
    onUnregister: (registration, session) =>
      broker.publishMetaEvent('wamp.registration.on_unregister', () => [session.id, registration.id]),
    onDelete: (registration, session) =>
      broker.publishMetaEvent('wamp.registration.on_delete', () => [session.id, registration.id]),
  });

  const noSuchRegistration = (id: Id) =>
    metaError(ErrorUri.NO_SUCH_REGISTRATION, `no registration with ID ${id} exists on this dealer`);
  const registrationId = (args: readonly unknown[], kwargs: Dict, name: string): Id =>
    readId(onlyArgument(args, kwargs, 'registration_id', name), 'registration');

  // Spec: "wamp.registration.list": IDs by match policy. Crossbar also takes an optional session
  // ID to list that session's registrations only (service.py registration_list).
  procedures.register('wamp.registration.list', ({ args, kwargs }) => {
    const sessionId = onlyArgument(args, kwargs, 'session_id', 'wamp.registration.list');
    const lists = dealer.list();
    if (sessionId === undefined || sessionId === null) return { args: [lists] };
    const id = readId(sessionId, 'session_id');
    const session = context.session(id);
    if (session === undefined) throw noSuchSession(id);
    const own = (ids: Id[]) => ids.filter((registration) => dealer.callees(registration)?.includes(id) === true);
    return { args: [{ exact: own(lists.exact), prefix: own(lists.prefix), wildcard: own(lists.wildcard) }] };
  });

  // Spec: "wamp.registration.lookup": the registration of exactly this URI and match policy, or null.
  procedures.register('wamp.registration.lookup', ({ args, kwargs }) => {
    const { uri, match } = readLookupArguments(args, kwargs, 'procedure', 'wamp.registration.lookup');
    return { args: [dealer.lookup(uri, match)?.id ?? null] };
  });

  // Spec: "wamp.registration.match": the registration a call would go to, or null.
  procedures.register('wamp.registration.match', ({ args, kwargs }) => {
    const procedure = readUri(onlyArgument(args, kwargs, 'procedure', 'wamp.registration.match'), 'procedure');
    return { args: [dealer.match(procedure)?.id ?? null] };
  });

  procedures.register('wamp.registration.get', ({ args, kwargs }) => {
    const id = registrationId(args, kwargs, 'wamp.registration.get');
    const registration = dealer.get(id);
    if (registration === undefined) throw noSuchRegistration(id);
    return { args: [detailsDict(registration)] };
  });

  procedures.register('wamp.registration.list_callees', ({ args, kwargs }) => {
    const id = registrationId(args, kwargs, 'wamp.registration.list_callees');
    const callees = dealer.callees(id);
    if (callees === undefined) throw noSuchRegistration(id);
    return { args: [callees] };
  });

  procedures.register('wamp.registration.count_callees', ({ args, kwargs }) => {
    const id = registrationId(args, kwargs, 'wamp.registration.count_callees');
    const count = dealer.count(id);
    if (count === undefined) throw noSuchRegistration(id);
    return { args: [count] };
  });

  procedures.register('wamp.registration.remove_callee', ({ args, kwargs }) => {
    const {
      id,
      session: calleeId,
      reason,
    } = readRemoveArguments(args, kwargs, ['registration', 'callee'], 'wamp.registration.remove_callee');
    // Errors as Crossbar answers them: an unknown session, then an unknown registration or a
    // session that is not a callee of it.
    if (context.session(calleeId) === undefined) throw noSuchSession(calleeId);
    if (dealer.get(id) === undefined) throw noSuchRegistration(id);
    if (!dealer.removeCallee(id, calleeId, reason)) {
      throw metaError(ErrorUri.NO_SUCH_REGISTRATION, `session ${calleeId} is not a callee of registration ${id}`);
    }
    return undefined;
  });
}

import { ApplicationError, type Dict, ErrorUri, type Id } from '@interchange/protocol';
import type { Realm, RouterProcedureCall, RouterProcedureHandler } from '@interchange/router';
import type { RegistrationMirror } from './registration-mirror.js';

/**
 * The registration meta procedures for the whole cluster (advanced profile "Registration Meta
 * API"). Every node's dealer holds the other nodes' callees (mirrored, see
 * registration-mirror.ts), so its own answers already cover the cluster, under its own
 * registration IDs. What this adds: an ID another node gave (in its callee's REGISTERED, in its
 * meta events) is understood here too, and a session of another node can be named by
 * `wamp.registration.list` and `wamp.registration.remove_callee` (its node revokes it).
 */
export function installClusterRegistrationMeta(realm: Realm, mirror: RegistrationMirror): void {
  const { dealer, procedures } = realm;
  /** This node's ID for a registration ID, which may be another node's. */
  const translate = (value: unknown): unknown =>
    typeof value === 'number' && dealer.get(value) === undefined ? (mirror.localIdOf(value) ?? value) : value;
  const remoteSession = (value: unknown): value is Id =>
    typeof value === 'number' && realm.session(value) === undefined && mirror.isRemoteSession(value);
  const wrap = (uri: string, wrapper: (local: RouterProcedureHandler) => RouterProcedureHandler) => {
    if (procedures.get(uri) !== undefined) procedures.wrap(uri, wrapper);
  };

  for (const uri of ['wamp.registration.get', 'wamp.registration.list_callees', 'wamp.registration.count_callees']) {
    wrap(uri, (local) => (call) => local(withRegistration(call, translate)));
  }

  wrap('wamp.registration.list', (local) => (call) => {
    const session = call.args[0] ?? call.kwargs.session_id;
    if (!remoteSession(session)) return local(call);
    const lists = dealer.list();
    const own = (ids: Id[]) => ids.filter((id) => dealer.callees(id)?.includes(session) === true);
    return { args: [{ exact: own(lists.exact), prefix: own(lists.prefix), wildcard: own(lists.wildcard) }] };
  });

  wrap('wamp.registration.remove_callee', (local) => (call) => {
    const translated = withRegistration(call, translate);
    const [registration, callee] = translated.args;
    if (!remoteSession(callee)) return local(translated);
    const reason = translated.args[2] ?? translated.kwargs.reason;
    if (typeof registration !== 'number' || dealer.get(registration) === undefined) {
      throw new ApplicationError(ErrorUri.NO_SUCH_REGISTRATION, {
        args: [`no registration with ID ${String(registration)} exists in this cluster`],
      });
    }
    if (reason !== undefined && reason !== null && typeof reason !== 'string') {
      throw new ApplicationError(ErrorUri.INVALID_ARGUMENT, { args: ['reason must be a string'] });
    }
    // The dealer revokes the mirrored callee; the cluster link has its node revoke the session.
    if (!dealer.removeCallee(registration, callee, reason ?? undefined)) {
      throw new ApplicationError(ErrorUri.NO_SUCH_REGISTRATION, {
        args: [`session ${callee} is not a callee of registration ${registration}`],
      });
    }
    return undefined;
  });
}

/** `call` with its registration ID (first argument or `registration_id`) translated. */
function withRegistration(call: RouterProcedureCall, translate: (value: unknown) => unknown): RouterProcedureCall {
  const args = [...call.args];
  if (args.length > 0) args[0] = translate(args[0]);
  const kwargs: Dict =
    call.kwargs.registration_id === undefined
      ? call.kwargs
      : { ...call.kwargs, registration_id: translate(call.kwargs.registration_id) };
  return { ...call, args, kwargs };
}

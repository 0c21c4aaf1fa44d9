/**
 * The principal a session is authenticated as (spec: advanced "Authorization": the triple
 * realm, authrole, authid), with how it was authenticated and what the client is told about it.
 */
import type { Dict } from '@interchange/protocol';

/** Who a session is, once authenticated. */
export interface Principal {
  /** The realm to join; the realm the client asked for unless the principal names another. */
  realm: string;
  authid: string;
  authrole: string;
  /** The method that authenticated the session, e.g. `wampcra`. */
  authmethod: string;
  /** Who vouched for it: `static` (the config), `dynamic` (an authenticator procedure), `cookie`, `tls`. */
  authprovider: string;
  /** Sent to the client in `WELCOME.Details.authextra`. */
  authextra?: Dict;
}

/** A principal as an authenticator procedure answers it, before it is checked. */
export interface PrincipalAnswer {
  role: string;
  authid?: string;
  realm?: string;
  extra?: Dict;
  /** The rest: the method's credential (`secret`, `pubkey`, `stored-key`, ...). */
  fields: Dict;
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads what a dynamic authenticator returned: a role name (older Crossbar authenticators return
 * just that), or a dict with `role` and optionally `authid`, `realm`, `extra` and the method's
 * credential. Returns a reason when the answer is unusable; the reason goes to the log only.
 */
export function readPrincipalAnswer(answer: unknown): PrincipalAnswer | { invalid: string } {
  if (typeof answer === 'string') return answer.length > 0 ? { role: answer, fields: {} } : { invalid: 'empty role' };
  if (!isDict(answer))
    return { invalid: `authenticator returned ${answer === null ? 'null' : typeof answer}, not a principal` };
  const { role, authid, realm, extra } = answer;
  if (typeof role !== 'string' || role.length === 0) return { invalid: 'principal has no role' };
  if (authid !== undefined && authid !== null && typeof authid !== 'string')
    return { invalid: 'principal authid is not a string' };
  if (realm !== undefined && realm !== null && typeof realm !== 'string')
    return { invalid: 'principal realm is not a string' };
  if (extra !== undefined && extra !== null && !isDict(extra)) return { invalid: 'principal extra is not a dict' };
  const principal: PrincipalAnswer = { role, fields: answer };
  if (typeof authid === 'string') principal.authid = authid;
  if (typeof realm === 'string') principal.realm = realm;
  if (isDict(extra)) principal.extra = extra;
  return principal;
}

/** Builds a {@link Principal}, leaving out `authextra` when there is none. */
/**
 * The principal of a static config entry (Crossbar's `principals` / `users`): the entry's role,
 * realm (or the requested one) and extra, authenticated by `authmethod` from the config.
 */
export function staticPrincipal(
  request: { realm: string },
  authid: string,
  entry: { role: string; realm?: string | undefined; extra?: Dict | undefined },
  authmethod: string,
): Principal {
  return makePrincipal({
    realm: entry.realm ?? request.realm,
    authid,
    authrole: entry.role,
    authmethod,
    authprovider: 'static',
    authextra: entry.extra,
  });
}

export function makePrincipal(init: {
  realm: string;
  authid: string;
  authrole: string;
  authmethod: string;
  authprovider: string;
  authextra?: Dict | undefined;
}): Principal {
  const principal: Principal = {
    realm: init.realm,
    authid: init.authid,
    authrole: init.authrole,
    authmethod: init.authmethod,
    authprovider: init.authprovider,
  };
  if (init.authextra !== undefined) principal.authextra = init.authextra;
  return principal;
}

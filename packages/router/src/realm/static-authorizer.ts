import { InvalidArgumentError, isValidUri, matchesPattern } from '@interchange/protocol';
import type { ActionName, AuthorizeFunction, PermissionConfig, RoleConfig } from './realm-config.js';

/** The outcome of an authorization: allowed or not, and whether to disclose the actor. */
export interface Authorization {
  readonly allowed: boolean;
  /** Disclose the caller's identity to the callee (INVOCATION.Details.caller...). */
  readonly discloseCaller: boolean;
  /** Disclose the publisher's identity to subscribers (EVENT.Details.publisher...). */
  readonly disclosePublisher: boolean;
}

const ALLOW_ALL: Authorization = Object.freeze({ allowed: true, discloseCaller: false, disclosePublisher: false });
/** The answer that refuses: no permission, nothing disclosed. */
export const DENY: Authorization = Object.freeze({ allowed: false, discloseCaller: false, disclosePublisher: false });
/** The built-in `trusted` role: everything allowed, identity disclosed (as Crossbar's trusted role). */
const TRUSTED: Authorization = Object.freeze({ allowed: true, discloseCaller: true, disclosePublisher: true });

/**
 * The role the router's own sessions (and hosted components without a role) use. A realm that
 * does not configure it still has it, as in Crossbar, where `trusted` is reserved: no transport
 * hands it to a client unless the config says so.
 */
export const TRUSTED_ROLE = 'trusted';

/** How many dynamic authorizer answers with `cache: true` a realm keeps; the oldest go first. */
const MAX_CACHED_DECISIONS = 10_000;

/** A permission rule compiled once: one frozen decision per action. */
interface CompiledRule {
  readonly uri: string;
  readonly decisions: Readonly<Record<ActionName, Authorization>>;
}

/**
 * Pattern rules a role may have before the rule found for each URI is remembered: with a few,
 * scanning them costs no more than a map lookup; with many (a role per tenant, a rule per
 * device), a scan per request would.
 */
const SCAN_LIMIT = 8;
/** URIs whose pattern rule a role remembers; the oldest go first. */
const MAX_RESOLVED_URIS = 4096;

/** The rules of one role, indexed by match policy. */
interface CompiledRole {
  readonly exact: ReadonlyMap<string, CompiledRule>;
  /** Longest prefix first, so the first hit is the most specific. */
  readonly prefix: readonly CompiledRule[];
  /** Most specific first (see {@link compareWildcardSpecificity}). */
  readonly wildcard: readonly CompiledRule[];
  /**
   * The pattern rule deciding each URI recently asked about (`null`: none), when the role has
   * more than {@link SCAN_LIMIT} pattern rules. The rules never change (a new config makes a
   * new authorizer), so an entry is never stale; the bound keeps many distinct URIs from
   * growing it.
   */
  readonly resolved: Map<string, CompiledRule | null> | undefined;
}

/**
 * Static, config-driven authorization of a realm's roles, as Crossbar's static roles do it.
 *
 * For a URI, the most specific rule of the session's role decides: an exact rule, else the
 * longest matching prefix rule (an empty prefix matches everything), else the most specific
 * matching wildcard rule. No matching rule denies. A realm without roles allows everything.
 *
 * @example
 * const authorizer = new StaticAuthorizer([{ name: 'anonymous', permissions: [
 *   { uri: 'com.example.', match: 'prefix', allow: { call: true } },
 * ] }]);
 * authorizer.authorize('anonymous', 'com.example.add', 'call').allowed; // true
 */
export class StaticAuthorizer {
  readonly #roles: ReadonlyMap<string, CompiledRole> | undefined;
  /** Roles decided by a dynamic authorizer procedure (Crossbar's `{ name, authorizer }` roles). */
  readonly #dynamic = new Map<string, string | AuthorizeFunction>();
  /** Dynamic answers the authorizer allowed to be cached, by role, action and URI. */
  readonly #cache = new Map<string, Authorization>();
  /** The decision of a dynamic authorizer for the request being handed to the broker or dealer. */
  #decided: { authrole: string; uri: string; action: ActionName; decision: Authorization } | undefined;

  /**
   * @param roles the realm's roles; `undefined` means no role checks at all.
   * @throws InvalidArgumentError when a role or permission is malformed or a role is duplicated.
   */
  constructor(roles?: readonly RoleConfig[]) {
    if (roles === undefined) {
      this.#roles = undefined;
      return;
    }
    const compiled = new Map<string, CompiledRole>();
    for (const role of roles) {
      if (typeof role.name !== 'string' || role.name.length === 0) {
        throw new InvalidArgumentError('a role needs a non-empty name');
      }
      if (compiled.has(role.name) || this.#dynamic.has(role.name))
        throw new InvalidArgumentError(`duplicate role '${role.name}'`);
      if (role.authorizer !== undefined) {
        if (
          typeof role.authorizer !== 'function' &&
          (typeof role.authorizer !== 'string' || !isValidUri(role.authorizer))
        ) {
          throw new InvalidArgumentError(`role '${role.name}': authorizer must be a procedure URI or a function`);
        }
        this.#dynamic.set(role.name, role.authorizer);
        continue;
      }
      compiled.set(role.name, compileRole(role));
    }
    this.#roles = compiled;
  }

  /** Whether this realm restricts sessions to configured roles. */
  get restricted(): boolean {
    return this.#roles !== undefined;
  }

  /**
   * Whether a session may join under `authrole`: always for an unrestricted realm; else for a
   * configured role, or the built-in `trusted` role.
   */
  hasRole(authrole: string): boolean {
    return (
      this.#roles === undefined || this.#roles.has(authrole) || this.#dynamic.has(authrole) || authrole === TRUSTED_ROLE
    );
  }

  /** The procedure (or function) that authorizes sessions of `authrole`, when the role is dynamic. */
  dynamicAuthorizer(authrole: string): string | AuthorizeFunction | undefined {
    // Asked for every request a session makes; most realms have no dynamic role at all.
    return this.#dynamic.size === 0 ? undefined : this.#dynamic.get(authrole);
  }

  /**
   * Decides whether a session of `authrole` may perform `action` on `uri`. For a dynamic role
   * this is the decision its authorizer made for the request being handled (see
   * {@link withDecision}), else a cached answer, else a denial: the synchronous path never
   * waits for a procedure.
   */
  authorize(authrole: string, uri: string, action: ActionName): Authorization {
    const decided = this.#decided;
    if (decided !== undefined && decided.authrole === authrole && decided.uri === uri && decided.action === action)
      return decided.decision;
    if (this.#dynamic.has(authrole)) return this.cached(authrole, uri, action) ?? DENY;
    if (this.#roles === undefined) return ALLOW_ALL;
    const role = this.#roles.get(authrole);
    if (role === undefined) return authrole === TRUSTED_ROLE ? TRUSTED : DENY;
    const rule = bestRule(role, uri);
    return rule === undefined ? DENY : rule.decisions[action];
  }

  /**
   * Runs `handle` (which hands the request to the broker or dealer) with `decision` standing for
   * what {@link authorize} answers for exactly this role, URI and action: how the answer of a
   * dynamic authorizer, which arrives asynchronously, reaches the synchronous checks.
   */
  withDecision<T>(authrole: string, uri: string, action: ActionName, decision: Authorization, handle: () => T): T {
    const previous = this.#decided;
    this.#decided = { authrole, uri, action, decision };
    try {
      return handle();
    } finally {
      this.#decided = previous;
    }
  }

  /** A cached dynamic answer for this role, URI and action, if the authorizer allowed caching one. */
  cached(authrole: string, uri: string, action: ActionName): Authorization | undefined {
    return this.#cache.get(cacheKey(authrole, uri, action));
  }

  /**
   * Keeps a dynamic answer whose authorizer said `cache: true`: later requests of the same role,
   * action and URI are decided without calling it (Crossbar's authorization cache, keyed the same).
   */
  remember(authrole: string, uri: string, action: ActionName, decision: Authorization): void {
    const key = cacheKey(authrole, uri, action);
    this.#cache.delete(key);
    this.#cache.set(key, Object.freeze({ ...decision }));
    if (this.#cache.size > MAX_CACHED_DECISIONS) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  /** Forgets every cached dynamic answer (e.g. after the authorizer's rules changed). */
  clearCache(): void {
    this.#cache.clear();
  }
}

function cacheKey(authrole: string, uri: string, action: ActionName): string {
  return `${authrole}\u0000${action}\u0000${uri}`;
}

function bestRule(role: CompiledRole, uri: string): CompiledRule | undefined {
  if (role.exact.size > 0) {
    const exact = role.exact.get(uri);
    if (exact !== undefined) return exact;
  }
  const { resolved } = role;
  if (resolved === undefined) return bestPatternRule(role, uri);
  let rule = resolved.get(uri);
  if (rule === undefined) {
    rule = bestPatternRule(role, uri) ?? null;
    if (resolved.size >= MAX_RESOLVED_URIS) resolved.delete(resolved.keys().next().value as string);
    resolved.set(uri, rule);
  }
  return rule ?? undefined;
}

/** The most specific prefix rule matching `uri`, else the most specific wildcard rule. */
function bestPatternRule(role: CompiledRole, uri: string): CompiledRule | undefined {
  for (const rule of role.prefix) {
    if (uri.startsWith(rule.uri)) return rule;
  }
  for (const rule of role.wildcard) {
    if (matchesPattern(uri, rule.uri, 'wildcard')) return rule;
  }
  return undefined;
}

function compileRole(role: RoleConfig): CompiledRole {
  if (!Array.isArray(role.permissions)) {
    throw new InvalidArgumentError(`role '${role.name}' needs a permissions list`);
  }
  const exact = new Map<string, CompiledRule>();
  const prefix: CompiledRule[] = [];
  const wildcard: CompiledRule[] = [];
  for (const permission of role.permissions) {
    const { uri, match } = normalizeMatch(role.name, permission);
    const rule: CompiledRule = { uri, decisions: compileDecisions(permission) };
    // A later rule for the same URI and policy replaces an earlier one, as a later key would in
    // a config file: the config reads top to bottom.
    if (match === 'exact') exact.set(uri, rule);
    else (match === 'prefix' ? prefix : wildcard).push(rule);
  }
  prefix.sort((a, b) => b.uri.length - a.uri.length);
  wildcard.sort((a, b) => compareWildcardSpecificity(a.uri, b.uri));
  const patterns = { prefix: dedupe(prefix), wildcard: dedupe(wildcard) };
  const many = patterns.prefix.length + patterns.wildcard.length > SCAN_LIMIT;
  return { exact, ...patterns, resolved: many ? new Map() : undefined };
}

/** Keeps the last rule of each URI (see the comment in `compileRole`); order is preserved. */
function dedupe(rules: CompiledRule[]): CompiledRule[] {
  const last = new Map<string, CompiledRule>();
  for (const rule of rules) last.set(rule.uri, rule);
  return rules.filter((rule) => last.get(rule.uri) === rule);
}

function normalizeMatch(roleName: string, permission: PermissionConfig): { uri: string; match: string } {
  const { uri, match } = permission;
  if (typeof uri !== 'string') throw new InvalidArgumentError(`role '${roleName}': permission without a uri`);
  if (match === undefined) {
    // Older Crossbar configs write `"uri": "*"` or `"uri": "com.example.*"` for prefix rules.
    if (uri.endsWith('*')) return { uri: uri.slice(0, -1), match: 'prefix' };
    return { uri, match: 'exact' };
  }
  if (match !== 'exact' && match !== 'prefix' && match !== 'wildcard') {
    throw new InvalidArgumentError(`role '${roleName}': unknown match policy '${String(match)}' for '${uri}'`);
  }
  return { uri, match };
}

function compileDecisions(permission: PermissionConfig): Record<ActionName, Authorization> {
  const allow = permission.allow ?? {};
  const discloseCaller = permission.disclose?.caller === true;
  const disclosePublisher = permission.disclose?.publisher === true;
  const decide = (allowed: boolean | undefined): Authorization =>
    Object.freeze({ allowed: allowed === true, discloseCaller, disclosePublisher });
  return {
    call: decide(allow.call),
    register: decide(allow.register),
    publish: decide(allow.publish),
    subscribe: decide(allow.subscribe),
  };
}

/**
 * Orders wildcard patterns most specific first, by the rule the spec gives for choosing among
 * matching wildcard registrations (advanced profile "Pattern-based Registrations", "Calls
 * matching multiple registrations"): split the pattern into runs of non-empty components; the
 * pattern whose first run is longer wins, on a tie the second run decides, and so on.
 * `a1.b2.c33..e5` beats `a1.b2..d4.e5`; `a1.b2..d4.e5..g7` beats `a1.b2..d4..f6.g7`.
 */
export function compareWildcardSpecificity(a: string, b: string): number {
  const runsA = nonEmptyRuns(a);
  const runsB = nonEmptyRuns(b);
  const n = Math.max(runsA.length, runsB.length);
  for (let i = 0; i < n; i++) {
    const diff = (runsB[i] ?? 0) - (runsA[i] ?? 0);
    if (diff !== 0) return diff;
  }
  // Equally specific: any fixed order will do; use the string for determinism.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lengths (in components) of the portions between wildcard components, from the left:
 * `a.b..d` gives `[2, 1]`, `.b.c` gives `[0, 2]` (a leading wildcard makes the first portion empty).
 */
function nonEmptyRuns(pattern: string): number[] {
  const runs: number[] = [];
  let run = 0;
  for (const component of pattern.split('.')) {
    if (component.length > 0) {
      run++;
    } else {
      runs.push(run);
      run = 0;
    }
  }
  runs.push(run);
  return runs;
}

import { type Id, MatchPolicy, type MatchPolicyValue, randomId } from '@interchange/protocol';
import { clearMatches, PatternIndex } from '../matching/pattern-index.js';
import type { RealmMember } from '../realm/realm-member.js';

/**
 * How the dealer picks a callee among those sharing a registration (advanced profile "Shared
 * Registration": `REGISTER.Options.invoke`). `single` (the default) admits one callee only.
 */
export const InvokePolicy = {
  SINGLE: 'single',
  ROUNDROBIN: 'roundrobin',
  RANDOM: 'random',
  FIRST: 'first',
  LAST: 'last',
} as const;
/** One of `'single' | 'roundrobin' | 'random' | 'first' | 'last'`. */
export type InvokePolicyValue = (typeof InvokePolicy)[keyof typeof InvokePolicy];

const INVOKE_POLICIES: ReadonlySet<unknown> = new Set(Object.values(InvokePolicy));

/** Whether `value` is one of the five invocation policies. */
export function isInvokePolicy(value: unknown): value is InvokePolicyValue {
  return INVOKE_POLICIES.has(value);
}

/**
 * What the registration meta API tells about a registration (advanced profile "Registration Meta
 * API", `wamp.registration.get`: `id`, `created`, `uri`, `match`, `invoke`).
 */
export interface RegistrationDetails {
  readonly id: Id;
  /** When the registration was created, as an ISO 8601 string. */
  readonly created: string;
  /** The procedure URI, or the pattern for `prefix` and `wildcard` registrations. */
  readonly uri: string;
  readonly match: MatchPolicyValue;
  readonly invoke: InvokePolicyValue;
}

/** One session's place on a registration, with the options it registered with. */
export interface Callee {
  readonly session: RealmMember;
  /** `REGISTER.Options.disclose_caller` (advanced profile "Caller Identification"). */
  readonly discloseCaller: boolean;
  /** `REGISTER.Options.forward_timeout` (advanced profile "Call Timeouts", callee-initiated). */
  readonly forwardTimeout: boolean;
  /** Crossbar's `REGISTER.Options.concurrency`: most invocations outstanding at once; 0 = no limit. */
  readonly concurrency: number;
  /** Invocations sent to this callee on this registration and not yet finished. */
  outstanding: number;
  /** The realm's bound on {@link outstanding} (`limits.pending_calls_per_callee`); none when absent. */
  readonly pendingLimit?: number;
}

/**
 * What {@link Registration.pick} found: the callee; `'busy'` when every remaining callee is at
 * its concurrency limit; `undefined` when no callee remains. No wrapper object: a pick happens
 * on every call.
 */
export type PickResult = Callee | 'busy' | undefined;

/** Whether a callee may take one more invocation (Crossbar's `concurrency`; 0 is no limit). */
export function isCalleeFree(callee: Callee): boolean {
  if (callee.pendingLimit !== undefined && callee.outstanding >= callee.pendingLimit) return false;
  return callee.concurrency === 0 || callee.outstanding < callee.concurrency;
}

/**
 * A registration: a procedure URI or pattern, its match and invocation policies, and the
 * callees on it in the order they registered (the order `first`, `last` and `roundrobin` use).
 */
export class Registration implements RegistrationDetails {
  readonly id: Id;
  readonly created: string;
  readonly uri: string;
  readonly match: MatchPolicyValue;
  readonly invoke: InvokePolicyValue;
  readonly callees: Callee[] = [];
  /** Wildcard precedence (see {@link wildcardRank}); empty for other policies. */
  readonly rank: readonly number[];
  #next = 0;

  constructor(details: RegistrationDetails) {
    this.id = details.id;
    this.created = details.created;
    this.uri = details.uri;
    this.match = details.match;
    this.invoke = details.invoke;
    this.rank = details.match === MatchPolicy.WILDCARD ? wildcardRank(details.uri) : [];
  }

  /** The callee entry of a session, if it is on this registration. */
  calleeOf(session: RealmMember): Callee | undefined {
    return this.callees.find((callee) => callee.session === session);
  }

  /** The plain details, as the meta API returns them. */
  details(): RegistrationDetails {
    return { id: this.id, created: this.created, uri: this.uri, match: this.match, invoke: this.invoke };
  }

  /** Adds a callee at the end of the list. */
  add(callee: Callee): void {
    this.callees.push(callee);
  }

  /** Removes a session's callee entry; returns whether there was one. */
  remove(session: RealmMember): boolean {
    const index = this.callees.findIndex((callee) => callee.session === session);
    if (index === -1) return false;
    this.callees.splice(index, 1);
    // Keep the round-robin cursor on the callee that was next.
    if (index < this.#next) this.#next--;
    return true;
  }

  /**
   * `callee` when it is on this registration and free, else what {@link pick} picks: for a
   * callee whose turn a cluster decided (`DealerClusterHooks.turn`).
   */
  pickGiven(callee: Callee | undefined, random: () => number): PickResult {
    if (callee !== undefined && isCalleeFree(callee) && this.callees.includes(callee)) return callee;
    return this.pick(random);
  }

  /**
   * Picks the callee for an invocation by the invocation policy (advanced profile "Shared
   * Registration"), passing over the sessions in `exclude` as if they had not registered
   * (advanced profile "Call Re-Routing": "assuming the unavailable registration virtually does
   * not exist") and callees at their concurrency limit (Crossbar's `concurrency`).
   *
   * @returns the callee; `'busy'` when every remaining callee is at its limit; `undefined`
   *   when no callee remains.
   */
  pick(random: () => number, exclude?: ReadonlySet<RealmMember>): PickResult {
    const candidates = exclude === undefined ? this.callees : this.callees.filter((c) => !exclude.has(c.session));
    if (candidates.length === 0) return undefined;
    switch (this.invoke) {
      case InvokePolicy.SINGLE:
      case InvokePolicy.FIRST: {
        for (let i = 0; i < candidates.length; i++) {
          const callee = candidates[i] as Callee;
          if (isCalleeFree(callee)) return callee;
        }
        return 'busy';
      }
      case InvokePolicy.LAST: {
        for (let i = candidates.length - 1; i >= 0; i--) {
          const callee = candidates[i] as Callee;
          if (isCalleeFree(callee)) return callee;
        }
        return 'busy';
      }
      case InvokePolicy.RANDOM: {
        const available = candidates.filter(isCalleeFree);
        if (available.length === 0) return 'busy';
        const index = Math.min(available.length - 1, Math.floor(random() * available.length));
        return available[index] as Callee;
      }
      case InvokePolicy.ROUNDROBIN: {
        // The cursor walks the full list (spec: "picked subsequently from the list of
        // registrations ... looping back"), skipping excluded and busy callees.
        const count = this.callees.length;
        for (let step = 0; step < count; step++) {
          const index = (this.#next + step) % count;
          const callee = this.callees[index] as Callee;
          if (exclude?.has(callee.session) === true || !isCalleeFree(callee)) continue;
          this.#next = (index + 1) % count;
          return callee;
        }
        return 'busy';
      }
    }
  }
}

/**
 * Wildcard precedence (advanced profile "Pattern-based Registrations", "Calls matching multiple
 * registrations", rule 3): the lengths of the runs of concrete components before each wildcard,
 * compared in order; the pattern whose first differing run is longer wins. `a1.b2..d4.e5..g7`
 * gives [2, 2, 1] and beats `a1.b2..d4..f6.g7`, [2, 1, 2].
 */
export function wildcardRank(pattern: string): number[] {
  const runs: number[] = [];
  let run = 0;
  for (const component of pattern.split('.')) {
    if (component === '') {
      runs.push(run);
      run = 0;
    } else {
      run++;
    }
  }
  runs.push(run);
  return runs;
}

/** Whether wildcard rank `a` takes precedence over `b`. */
function outranks(a: readonly number[], b: readonly number[]): boolean {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
  }
  return a.length > b.length;
}

/**
 * The registrations of one realm: by ID, by (URI or pattern, match policy), and by session.
 * Finding the registration for a called procedure costs a map probe for the exact match, one
 * probe per distinct prefix length, and a walk of the wildcard trie along the procedure's
 * components (see {@link PatternIndex}).
 */
export class RegistrationStore {
  readonly #index = new PatternIndex<Registration>();
  readonly #byId = new Map<Id, Registration>();
  readonly #bySession = new Map<RealmMember, Set<Registration>>();
  /** What `best` collects matching patterns into; reused, as lookups do not nest. */
  readonly #matches: Registration[] = [];

  /** Number of registrations. */
  get size(): number {
    return this.#byId.size;
  }

  /** The registration with this ID. */
  /** A fresh registration ID (for a registration about to be created with it). */
  newId(): Id {
    let id = randomId();
    while (this.#byId.has(id)) id = randomId();
    return id;
  }

  get(id: Id): Registration | undefined {
    return this.#byId.get(id);
  }

  /** The registration of exactly this URI or pattern under this match policy. */
  lookup(uri: string, match: MatchPolicyValue): Registration | undefined {
    return this.#index.get(uri, match);
  }

  /**
   * The one registration a call to `procedure` goes to (advanced profile "Pattern-based
   * Registrations", "Calls matching multiple registrations"): the exact registration, else the
   * longest matching prefix, else the wildcard pattern of highest {@link wildcardRank}.
   */
  best(procedure: string): Registration | undefined {
    const exact = this.#index.get(procedure, MatchPolicy.EXACT);
    if (exact !== undefined) return exact;
    let prefix: Registration | undefined;
    let wildcard: Registration | undefined;
    const matches = this.#matches;
    this.#index.collectMatches(procedure, matches);
    for (let i = 0; i < matches.length; i++) {
      const registration = matches[i] as Registration;
      if (registration.match === MatchPolicy.PREFIX) {
        // Prefixes match by characters; of two matching prefixes the longer one has at least as
        // many components, so the longer string is the longer match.
        if (prefix === undefined || registration.uri.length > prefix.uri.length) prefix = registration;
      } else if (registration.match === MatchPolicy.WILDCARD) {
        if (wildcard === undefined || outranks(registration.rank, wildcard.rank)) wildcard = registration;
      }
    }
    clearMatches(matches);
    return prefix ?? wildcard;
  }

  /** The IDs of all registrations, by match policy (`wamp.registration.list`). */
  list(): { exact: Id[]; prefix: Id[]; wildcard: Id[] } {
    const lists = { exact: [] as Id[], prefix: [] as Id[], wildcard: [] as Id[] };
    for (const registration of this.#byId.values()) lists[registration.match].push(registration.id);
    return lists;
  }

  /** The registrations a session is a callee on. */
  of(session: RealmMember): ReadonlySet<Registration> {
    return this.#bySession.get(session) ?? new Set();
  }

  /** Creates an empty registration with a fresh ID. */
  create(uri: string, match: MatchPolicyValue, invoke: InvokePolicyValue, created: string, wanted?: Id): Registration {
    // Registration IDs are router scope and "can be chosen freely"; random ones are unguessable.
    // `wanted` is one from newId() that a cluster already knows this registration by.
    let id = wanted !== undefined && !this.#byId.has(wanted) ? wanted : randomId();
    while (this.#byId.has(id)) id = randomId();
    const registration = new Registration({ id, created, uri, match, invoke });
    this.#byId.set(id, registration);
    this.#index.set(uri, match, registration);
    return registration;
  }

  /** Adds a callee to a registration. */
  addCallee(registration: Registration, callee: Callee): void {
    registration.add(callee);
    let own = this.#bySession.get(callee.session);
    if (own === undefined) {
      own = new Set();
      this.#bySession.set(callee.session, own);
    }
    own.add(registration);
  }

  /**
   * Removes a session from a registration, and the registration with its last callee.
   * @returns whether the session was on it, and whether the registration is gone.
   */
  removeCallee(registration: Registration, session: RealmMember): { removed: boolean; deleted: boolean } {
    if (!registration.remove(session)) return { removed: false, deleted: false };
    const own = this.#bySession.get(session);
    own?.delete(registration);
    if (own !== undefined && own.size === 0) this.#bySession.delete(session);
    if (registration.callees.length > 0) return { removed: true, deleted: false };
    this.#byId.delete(registration.id);
    this.#index.delete(registration.uri, registration.match);
    return { removed: true, deleted: true };
  }
}

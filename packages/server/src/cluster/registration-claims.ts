import { createHash } from 'node:crypto';
import type { Id } from '@interchange/protocol';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from '../logger.js';
import { subjectToken } from './subject-tokens.js';

/** One callee holding a procedure, as the procedure's claim in the registration table lists it. */
export interface ClaimHolder {
  readonly node: string;
  readonly session: Id;
  readonly authid: string;
}

/**
 * The claim on one procedure (realm, match policy, URI): the invocation policy it is registered
 * with cluster-wide and every callee holding it, on any node.
 */
export interface Claim {
  readonly invoke: string;
  readonly holders: readonly ClaimHolder[];
}

/**
 * What a REGISTER makes of the claim it finds (`undefined`: nobody holds the procedure; holders
 * of dead nodes are already left out): the claim to write, or the refusal the callee gets.
 */
export type ClaimDecision = { readonly claim: Claim } | { readonly refused: { error: string; text: string } };

/** What came of an attempt to claim a procedure: nothing (claimed), or the refusal. */
export type ClaimOutcome = { readonly refused?: { error: string; text: string } };

const CLAIM_PREFIX = 'claim.';

/** How often a compare-and-set is tried again after another node wrote the claim first. */
const MAX_ATTEMPTS = 50;

/**
 * The key of the claim on a procedure (realm, match policy and URI): `claim.<realm>.<match>_<hash>`.
 * A URI may hold characters a key may not, so it is hashed. Three tokens, so the registration
 * table's readers (`nodeOfKey`, four tokens) never take it for a callee entry.
 */
export function claimKey(realm: string, match: string, procedure: string): string {
  const hash = createHash('sha256').update(procedure).digest('hex').slice(0, 40);
  return `${CLAIM_PREFIX}${subjectToken(realm)}.${match}_${hash}`;
}

/** Whether a registration-table key is a claim. */
export function isClaimKey(key: string): boolean {
  return key.startsWith(CLAIM_PREFIX);
}

function readHolder(value: unknown): ClaimHolder | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.node !== 'string' || typeof v.session !== 'number' || typeof v.authid !== 'string') return undefined;
  return { node: v.node, session: v.session, authid: v.authid };
}

/** Reads a claim written by any node; `undefined` when it is not one. */
export function readClaim(value: unknown): Claim | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.invoke !== 'string' || !Array.isArray(v.holders)) return undefined;
  const holders = v.holders.map(readHolder);
  if (holders.some((h) => h === undefined)) return undefined;
  return { invoke: v.invoke, holders: holders as ClaimHolder[] };
}

function parse(entry: KvEntry): Claim | undefined {
  if (entry.operation !== 'PUT') return undefined;
  try {
    return readClaim(entry.json());
  } catch {
    return undefined;
  }
}

/** Whether a write failed because the claim changed since it was read (compare-and-set lost). */
function isConflict(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/**
 * Registrations as one router allows them, across the cluster (docs/scaling.md). Every REGISTER
 * of a local session first writes itself into the procedure's claim in the registration table,
 * by compare-and-set on the claim's revision: the write only lands when nobody changed the claim
 * since it was read, so of two nodes registering at the same moment the second one reads the
 * first one's holder and decides again, as a single router's dealer would decide the second
 * REGISTER (a `single` procedure has one holder; a shared one is held with one policy). A holder
 * leaves the claim when its registration goes, or when its node dies (every survivor removes
 * that node's holders, again by compare-and-set, so a newer holder is never lost).
 */
export class RegistrationClaims {
  readonly #kv: KV;
  readonly #node: string;
  readonly #isAlive: (node: string) => boolean;
  readonly #logger: Logger;
  /**
   * This node's holders, by claim key and session, with the policy they hold the procedure with:
   * `held` once written, else being claimed. A holder of this node in a claim but not here is
   * left over (a session gone, an earlier process with this node ID).
   */
  readonly #own = new Map<string, Map<Id, OwnHolder>>();
  /** Every claim as the table watch last showed it (`undefined`: deleted), with its revision. */
  readonly #seen = new Map<string, { claim: Claim | undefined; revision: number }>();

  constructor(kv: KV, node: string, isAlive: (node: string) => boolean, logger: Logger) {
    this.#kv = kv;
    this.#node = node;
    this.#isAlive = isAlive;
    this.#logger = logger;
  }

  /**
   * Claims `key` for `holder`, a session of this node: `decide` sees the claim as it is (its
   * holders that are gone left out) and says what to write, or refuses. Decided again whenever
   * another node wrote the claim in between. Rejects only when NATS does.
   */
  async claim(
    key: string,
    holder: ClaimHolder,
    decide: (current: Claim | undefined) => ClaimDecision,
  ): Promise<ClaimOutcome> {
    let sessions = this.#own.get(key);
    if (sessions === undefined) {
      sessions = new Map();
      this.#own.set(key, sessions);
    }
    const own: OwnHolder = { holder, invoke: '', held: false };
    sessions.set(holder.session, own);
    let refused: ClaimOutcome['refused'];
    let holders: readonly ClaimHolder[] = [];
    try {
      await this.#change(key, (current) => {
        const decision = decide(current);
        if ('refused' in decision) {
          refused = decision.refused;
          return null;
        }
        refused = undefined;
        own.invoke = decision.claim.invoke;
        holders = decision.claim.holders;
        return decision.claim;
      });
    } catch (error) {
      this.#forget(key, holder.session);
      throw error;
    }
    if (refused !== undefined) {
      this.#forget(key, holder.session);
      return { refused };
    }
    own.held = true;
    // Taken over from this node's own callees (force_reregister): they are no longer holders.
    for (const [session, other] of sessions) {
      if (other !== own && other.held && !holders.some((h) => this.#isOwn(h, session))) this.#forget(key, session);
    }
    return {};
  }

  /** Takes `session` of this node out of the claim on `key`, deleting the claim when it was the last. */
  release(key: string, session: Id): Promise<void> | undefined {
    if (!this.#forget(key, session)) return undefined;
    // Forgotten above, the session is already left out of `current` (see #live): write that.
    return this.#change(key, (current, raw) => {
      if (raw?.holders.some((h) => this.#isOwn(h, session)) !== true) return null;
      return current ?? { invoke: raw.invoke, holders: [] };
    }).catch((error: unknown) => this.#logger.warn({ err: error, key }, 'releasing a registration claim failed'));
  }

  /** The claim on `key` as this node last saw or wrote it (holders in the order they claimed). */
  seen(key: string): Claim | undefined {
    return this.#seen.get(key)?.claim;
  }

  /** A claim entry arrived in the table watch. */
  watched(entry: KvWatchEntry): void {
    // Older than what this node wrote since (the watch lags behind the write's answer): stale.
    if ((this.#seen.get(entry.key)?.revision ?? 0) > entry.revision) return;
    const claim = parse(entry);
    this.#seen.set(entry.key, { claim, revision: entry.revision });
    const own = this.#own.get(entry.key);
    const listed = claim?.holders.filter((h) => h.node === this.#node) ?? [];
    // Holders of this node that are gone (an earlier process with this node ID, a release that
    // did not reach NATS) leave the claim, or they would hold the procedure forever. Holders
    // missing (another node took this one for dead, or NATS lost the table) are written back.
    const leftOver = listed.some((h) => own?.has(h.session) !== true);
    const missing = [...(own?.values() ?? [])].some(
      (o) => o.held && !listed.some((h) => h.session === o.holder.session),
    );
    if (leftOver || missing) void this.#writeBack(entry.key);
  }

  /** A node died: its holders leave every claim (by compare-and-set, never losing a newer holder). */
  nodeDead(node: string): Promise<unknown> {
    const changes: Promise<unknown>[] = [];
    for (const [key, seen] of this.#seen) {
      if (seen.claim?.holders.some((h) => h.node === node) !== true) continue;
      const change = this.#change(key, (current, raw) => {
        // The dead node's holders are already left out of `current` (see #live): write that.
        if (raw?.holders.some((h) => h.node === node) !== true) return null;
        return current ?? { invoke: raw.invoke, holders: [] };
      });
      changes.push(
        change.catch((error: unknown) =>
          this.#logger.warn({ err: error, key, node }, 'removing a dead node from a registration claim failed'),
        ),
      );
    }
    return Promise.all(changes);
  }

  /** After NATS lost the table (a restart): writes this node's holders again. */
  rewriteAll(): Promise<unknown> {
    // A restarted NATS numbers revisions afresh: what the watch showed before says nothing now.
    this.#seen.clear();
    return Promise.all([...this.#own.keys()].map((key) => this.#writeBack(key)));
  }

  #isOwn(holder: ClaimHolder, session: Id): boolean {
    return holder.node === this.#node && holder.session === session;
  }

  /** Forgets `session` as a holder of `key` here; whether it was one. */
  #forget(key: string, session: Id): boolean {
    const sessions = this.#own.get(key);
    if (sessions === undefined || !sessions.delete(session)) return false;
    if (sessions.size === 0) this.#own.delete(key);
    return true;
  }

  /**
   * Brings this node's part of the claim on `key` in line with what this node holds: left-over
   * holders out, held ones in; unless the procedure was taken over meanwhile (another policy, or
   * another node's callee of a `single` one): then this node's holders are forgotten, the node
   * that took it over revokes them.
   */
  #writeBack(key: string): Promise<void> {
    return this.#change(key, (current, raw) => {
      const held = [...(this.#own.get(key)?.values() ?? [])].filter((o) => o.held);
      const others = current?.holders.filter((h) => h.node !== this.#node) ?? [];
      const ours = raw?.holders.filter((h) => h.node === this.#node) ?? [];
      const invoke = current?.invoke ?? held[0]?.invoke ?? '';
      const takenOver = others.length > 0 && held.some((o) => o.invoke !== invoke || invoke === 'single');
      const keep = takenOver ? [] : held;
      if (takenOver) for (const o of held) this.#forget(key, o.holder.session);
      const same = ours.length === keep.length && keep.every((o) => ours.some((h) => h.session === o.holder.session));
      if (same && others.length === (raw?.holders.length ?? 0) - ours.length) return null;
      return { invoke, holders: [...others, ...keep.map((o) => o.holder)] };
    }).catch((error: unknown) => this.#logger.warn({ err: error, key }, 'writing a registration claim back failed'));
  }

  /**
   * Compare-and-set on the claim of `key`: `next` sees the claim without the holders that are
   * gone (of dead nodes, of this node's gone sessions), and as stored (`raw`), and returns what
   * to write (`null`: nothing). A claim left
   * without holders is deleted. The first attempt starts from the claim as the watch showed it
   * (or this node last wrote it); after a conflict, or to write nothing, the claim is read afresh.
   */
  async #change(
    key: string,
    next: (current: Claim | undefined, raw: Claim | undefined) => Claim | null,
  ): Promise<void> {
    let known = this.#seen.get(key);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cached = known !== undefined;
      if (known === undefined) {
        const entry = await this.#kv.get(key);
        known = { claim: entry === null ? undefined : parse(entry), revision: entry?.revision ?? 0 };
      }
      const claim = next(this.#live(key, known.claim), known.claim);
      if (claim === null) {
        // Nothing to write (a refusal, say) is decided on the claim as stored, not as the
        // watch last showed it: a release just written elsewhere may not have arrived yet.
        if (!cached) return;
        known = undefined;
        continue;
      }
      try {
        if (claim.holders.length > 0) {
          const revision = await this.#kv.put(key, JSON.stringify(claim), { previousSeq: known.revision });
          // The next change of this node starts from what it wrote, even before the watch shows it.
          if ((this.#seen.get(key)?.revision ?? 0) < revision) this.#seen.set(key, { claim, revision });
        } else if (known.claim !== undefined) {
          await this.#kv.delete(key, { previousSeq: known.revision });
          if (this.#seen.get(key)?.revision === known.revision) this.#seen.delete(key);
        }
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
        known = undefined;
      }
    }
    throw new Error(`the registration claim ${key} changed under each of ${MAX_ATTEMPTS} attempts`);
  }

  /** The claim without the holders that are gone; `undefined` when none is left. */
  #live(key: string, claim: Claim | undefined): Claim | undefined {
    if (claim === undefined) return undefined;
    const own = this.#own.get(key);
    const holders = claim.holders.filter((h) =>
      h.node === this.#node ? own?.has(h.session) === true : this.#isAlive(h.node),
    );
    return holders.length === 0 ? undefined : { invoke: claim.invoke, holders };
  }
}

/** A holder of this node (see `RegistrationClaims.#own`). */
interface OwnHolder {
  readonly holder: ClaimHolder;
  /** The policy it holds the procedure with (set when its claim was decided). */
  invoke: string;
  held: boolean;
}

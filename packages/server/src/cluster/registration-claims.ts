import { createHash } from 'node:crypto';
import type { Id } from '@interchange/protocol';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from '../logger.js';
import { subjectToken } from './subject-tokens.js';

/** Who holds a `single` procedure cluster-wide, as its claim in the registration table says. */
export interface ClaimHolder {
  readonly node: string;
  readonly session: Id;
  readonly authid: string;
}

/** What came of an attempt to claim a procedure. */
export type ClaimOutcome = { readonly ok: true } | { readonly ok: false; readonly holder: ClaimHolder | undefined };

const CLAIM_PREFIX = 'claim.';

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

/**
 * `single` registrations exclusive across the cluster (docs/scaling.md): before a node registers
 * a `single` procedure it creates the procedure's claim in the registration table, an atomic
 * create that only one node can win; the claim goes when its registration does, or when its node
 * dies (every survivor deletes it, conditionally on the revision it saw, so a newer claim is never
 * deleted by mistake). `force_reregister` overwrites the claim.
 */
export class RegistrationClaims {
  readonly #kv: KV;
  readonly #node: string;
  readonly #isAlive: (node: string) => boolean;
  readonly #logger: Logger;
  /** This node's claims: key → value and the revision it was written at. */
  readonly #own = new Map<string, { value: string; session: Id; revision: number }>();
  /** Every node's claims as the table watch shows them: key → holder node and revision. */
  readonly #seen = new Map<string, { node: string; revision: number }>();

  constructor(kv: KV, node: string, isAlive: (node: string) => boolean, logger: Logger) {
    this.#kv = kv;
    this.#node = node;
    this.#isAlive = isAlive;
    this.#logger = logger;
  }

  /**
   * Claims `key` for a session of this node. A claim held by a node that is not alive (or by an
   * earlier process with this node's ID) is stale and taken over; one held by a live node is
   * the refusal, with its holder.
   */
  async claim(key: string, holder: ClaimHolder, force: boolean): Promise<ClaimOutcome> {
    const value = JSON.stringify(holder);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const revision = force ? await this.#kv.put(key, value) : await this.#kv.create(key, value);
        this.#own.set(key, { value, session: holder.session, revision });
        return { ok: true };
      } catch (error) {
        const entry = await this.#kv.get(key);
        if (entry === null || entry.operation !== 'PUT') continue; // released meanwhile: try again
        let current: ClaimHolder | undefined;
        try {
          current = readHolder(entry.json());
        } catch {
          current = undefined;
        }
        const live =
          current !== undefined && (current.node === this.#node ? this.#own.has(key) : this.#isAlive(current.node));
        if (live) return { ok: false, holder: current };
        this.#logger.info({ key, holder: current, err: error }, 'stale registration claim taken over');
        await this.#kv.delete(key, { previousSeq: entry.revision }).catch(() => undefined);
      }
    }
    return { ok: false, holder: undefined };
  }

  /** Releases this node's claim on `key`, if `session` holds it. */
  release(key: string, session: Id): Promise<void> | undefined {
    const own = this.#own.get(key);
    if (own === undefined || own.session !== session) return undefined;
    this.#own.delete(key);
    // Conditional: a node that took the procedure over by force_reregister keeps its claim.
    return this.#kv.delete(key, { previousSeq: own.revision }).catch(() => undefined);
  }

  /** A claim entry arrived in the table watch. */
  watched(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT') {
      this.#seen.delete(entry.key);
      const own = this.#own.get(entry.key);
      // Another node took this one for dead while it was not: write the claim back.
      if (own !== undefined) void this.#rewrite(entry.key, own.value, own.session);
      return;
    }
    let holder: ClaimHolder | undefined;
    try {
      holder = readHolder(entry.json());
    } catch {
      holder = undefined;
    }
    if (holder === undefined) return;
    this.#seen.set(entry.key, { node: holder.node, revision: entry.revision });
    // Taken over by force_reregister on another node: no longer this node's to release.
    if (holder.node !== this.#node) this.#own.delete(entry.key);
  }

  /** A node died: its claims go (deleted only at the revision seen, never a newer claim). */
  nodeDead(node: string): Promise<unknown> {
    const deletions: Promise<unknown>[] = [];
    for (const [key, seen] of this.#seen) {
      if (seen.node !== node) continue;
      this.#seen.delete(key);
      deletions.push(this.#kv.delete(key, { previousSeq: seen.revision }).catch(() => undefined));
    }
    return Promise.all(deletions);
  }

  /** After NATS lost the table (a restart): writes this node's claims again. */
  rewriteAll(): Promise<unknown> {
    return Promise.all([...this.#own].map(([key, own]) => this.#rewrite(key, own.value, own.session)));
  }

  async #rewrite(key: string, value: string, session: Id): Promise<void> {
    try {
      const revision = await this.#kv.put(key, value);
      if (this.#own.get(key)?.session === session) this.#own.set(key, { value, session, revision });
    } catch (error) {
      this.#logger.warn({ err: error, key }, 'writing a registration claim back failed');
    }
  }
}

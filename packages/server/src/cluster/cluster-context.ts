import type { Id } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { Claim, ClaimDecision, ClaimHolder, ClaimOutcome } from './registration-claims.js';

/** What became of an envelope for another node. */
export type SendOutcome = 'sent' | 'too-large' | 'unencodable';

/** What a realm's cluster parts need from the node's NATS cluster member. */
export interface ClusterContext {
  /** This node's ID. */
  readonly node: string;
  /** The subject prefix (the cluster `name`). */
  readonly prefix: string;
  readonly logger: Logger;
  /** NATS's `max_payload` of the server this node is connected to, in bytes. */
  maxPayload(): number;
  /** Publishes `data` on `subject` (core NATS, at most once). */
  publish(subject: string, data: Uint8Array): void;
  /** Resolves once the NATS server has handled everything this node sent it so far (a ping). */
  flush(): Promise<void>;
  /**
   * Resolves once every NATS server a live node is connected to has every subscription this
   * node made so far (see nats-cluster.ts `probe`): at once with one NATS server.
   */
  reachedEveryServer(): Promise<void>;
  /** Subscribes to `subject`; the returned function unsubscribes. */
  subscribe(subject: string, onMessage: (data: Uint8Array) => void): () => void;
  /**
   * Sends an envelope to one node's inbox. Nothing is sent when it is larger than
   * `max_payload` (`too-large`) or holds a value MessagePack cannot carry (`unencodable`).
   */
  sendToNode(node: string, envelope: object): SendOutcome;
  /**
   * Asks every other live node (scatter-gather): publishes `envelope` on `subject` and resolves
   * with the answers that came before each live node answered or the time ran out.
   */
  scatter(subject: string, envelope: object): Promise<Record<string, unknown>[]>;
  /**
   * Asks one node: publishes `envelope` on `subject` and resolves with the first answer, or
   * `undefined` when none came within `timeoutMs` (or NATS refused).
   */
  request(subject: string, envelope: object, timeoutMs: number): Promise<Record<string, unknown> | undefined>;
  /** The claim on a procedure as this node last saw it in the registration table. */
  claimOf(key: string): Claim | undefined;
  /** Whether another node is alive as this node sees it. */
  isAlive(node: string): boolean;
  /** Answers requests on `subject` (from {@link scatter} of other nodes); the returned function stops. */
  serve(subject: string, answer: (request: Record<string, unknown>) => Promise<object>): () => void;
  /** Tells every node that a session of this node that held registrations is gone. */
  sessionGone(realm: string, session: number): void;
  /** Keeps a retained publication (its envelope) for every node, under `key`. */
  putRetained(key: string, envelope: Uint8Array): void;
  /** Keeps a copy of a testament of one of this node's sessions. */
  putTestament(key: string, envelope: Uint8Array): void;
  /** Deletes the copy of a testament. */
  deleteTestament(key: string): void;
  /** Reads and deletes the testament copies whose keys match `filter`. */
  takeTestaments(filter: string): Promise<Uint8Array[]>;
  /**
   * Writes this node's entry of the registration table; resolves when NATS has stored it (or
   * failed to, which is logged). An entry written already with the same value is not written again.
   */
  putRegistration(key: string, value: object): Promise<void>;
  /** Resolves once this node has applied every registration-table change NATS had stored when called. */
  caughtUp(): Promise<void>;
  /** Claims a procedure cluster-wide for a callee of this node (see registration-claims.ts). */
  claim(key: string, holder: ClaimHolder, decide: (current: Claim | undefined) => ClaimDecision): Promise<ClaimOutcome>;
  /**
   * Takes a callee of this node out of a procedure's claim, if `session` is in it; resolves once
   * NATS stored that (or failed to, which is logged).
   */
  releaseClaim(key: string, session: Id): Promise<void> | undefined;
  /** Deletes this node's entry of the registration table; resolves once deleted (or failed, logged). */
  deleteRegistration(key: string): Promise<void> | undefined;
}

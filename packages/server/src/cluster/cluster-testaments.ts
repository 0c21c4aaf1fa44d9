import type { Dict, Id, Payload } from '@interchange/protocol';
import type { Realm, RealmMember, RouterProcedureCall, RouterProcedureHandler } from '@interchange/router';
import type { ClusterContext } from './cluster-context.js';
import { packEnvelope, unpackEnvelope } from './cluster-envelope.js';
import { subjectToken } from './subject-tokens.js';

/** A testament as the cluster keeps it. */
interface FiledTestament {
  readonly session: Id;
  readonly authid: string;
  readonly authrole: string;
  readonly scope: string;
  /** Filing order within this node, so a dead node's testaments go out in the order filed. */
  readonly sequence: number;
  readonly publication: Id;
  readonly topic: string;
  readonly options: Dict;
  readonly payload: Payload;
}

/**
 * Testaments of sessions whose node dies (advanced profile "Session Testament"). A node keeps a
 * copy of each testament its sessions file (`wamp.session.add_testament`, removed again by
 * `flush_testaments` and when the session leaves: then its own node publishes them as always) in
 * the key-value bucket `<name>_testaments`. When a node is declared dead, one surviving node
 * (the lowest node ID alive) publishes that node's testaments, detached before destroyed, under
 * their announced publication IDs and as their sessions would have, then deletes them.
 */
export class ClusterTestaments {
  readonly #context: ClusterContext;
  readonly #realm: Realm;
  readonly #prefix: string;
  /** This node's filed testaments: session ID → table keys. */
  readonly #filed = new Map<Id, Map<string, string>>();
  #sequence = 0;

  constructor(context: ClusterContext, realm: Realm) {
    this.#context = context;
    this.#realm = realm;
    this.#prefix = subjectToken(realm.name);
    const { procedures } = realm;
    if (procedures.get('wamp.session.add_testament') !== undefined) {
      procedures.wrap('wamp.session.add_testament', (local) => (call) => this.#add(local, call));
      procedures.wrap('wamp.session.flush_testaments', (local) => (call) => this.#flush(local, call));
    }
  }

  /** A local session left: its node publishes its testaments itself; the copies go. */
  sessionLeft(session: RealmMember): void {
    const keys = this.#filed.get(session.id);
    if (keys === undefined) return;
    this.#filed.delete(session.id);
    for (const key of keys.keys()) this.#context.deleteTestament(key);
  }

  /** A node is dead: when this node is the one elected, it publishes that node's testaments. */
  async nodeDead(node: string, elected: boolean): Promise<void> {
    if (!elected) return;
    const entries = await this.#context.takeTestaments(`${this.#prefix}.${node}.>`);
    const testaments = entries
      .map((data) => unpackEnvelope(data) as FiledTestament | undefined)
      .filter((t): t is FiledTestament => t !== undefined && typeof t.topic === 'string')
      // Detached before destroyed (spec "Session Testament"), each scope in filing order.
      .sort((a, b) => (a.scope === b.scope ? a.sequence - b.sequence : a.scope === 'detached' ? -1 : 1));
    for (const testament of testaments) {
      const publisher = { id: testament.session, authid: testament.authid, authrole: testament.authrole };
      const outcome = this.#realm.broker.publishAs(
        publisher,
        testament.topic,
        testament.options,
        testament.payload,
        testament.publication,
      );
      if (typeof outcome !== 'number') {
        this.#context.logger.warn(
          { realm: this.#realm.name, node, session: testament.session, error: outcome.error },
          'testament of a dead node not published',
        );
      }
    }
    if (testaments.length > 0) {
      this.#context.logger.info(
        { realm: this.#realm.name, node, testaments: testaments.length },
        "published the testaments of a dead node's sessions",
      );
    }
  }

  async #add(local: RouterProcedureHandler, call: RouterProcedureCall) {
    const result = await local(call);
    const publication = result?.args?.[0];
    if (typeof publication !== 'number') return result;
    // The local handler accepted the arguments (see installTestamentMetaApi); read them the same way.
    const { caller, args, kwargs } = call;
    const publishOptions = (args[3] ?? kwargs.publish_options ?? {}) as Dict;
    const { acknowledge: _acknowledge, exclude_me: _excludeMe, ...options } = publishOptions;
    const payload: Payload = {};
    if (Array.isArray(args[1])) payload.args = args[1];
    if (typeof args[2] === 'object' && args[2] !== null) payload.kwargs = args[2] as Dict;
    const scope = String(args[4] ?? kwargs.scope ?? 'destroyed');
    const key = `${this.#prefix}.${this.#context.node}.${caller.id}.${publication}`;
    this.#sequence++;
    const filed: FiledTestament = {
      session: caller.id,
      authid: caller.authid,
      authrole: caller.authrole,
      scope,
      sequence: this.#sequence,
      publication,
      topic: String(args[0]),
      options,
      payload,
    };
    this.#context.putTestament(key, packEnvelope(filed));
    let keys = this.#filed.get(caller.id);
    if (keys === undefined) {
      keys = new Map();
      this.#filed.set(caller.id, keys);
    }
    keys.set(key, scope);
    return result;
  }

  async #flush(local: RouterProcedureHandler, call: RouterProcedureCall) {
    const result = await local(call);
    const scope = String(call.args[0] ?? call.kwargs.scope ?? 'destroyed');
    const keys = this.#filed.get(call.caller.id);
    if (keys !== undefined) {
      for (const [key, filedScope] of [...keys]) {
        if (filedScope !== scope) continue;
        keys.delete(key);
        this.#context.deleteTestament(key);
      }
    }
    return result;
  }
}

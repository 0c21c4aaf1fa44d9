/**
 * Hosted components (Crossbar's `components` of type `class` in a router worker): application
 * code running in the router's process, joined to a realm through an in-memory transport — no
 * socket, no serialization, same WAMP semantics as a remote client.
 *
 * Where Crossbar's `classname` names a Python class, ours is the path of a JS module (relative to
 * the config file's directory) whose default export is either
 * `(session, extra) => void | Promise<void>` or an object `{ onJoin(session, extra) }`.
 */
import { pathToFileURL } from 'node:url';
import { createMemoryTransportPair, Session } from '@interchange/client';
import { InvalidArgumentError } from '@interchange/protocol';
import type { ClassComponentConfig } from '../config/config-schema.js';
import { TRUSTED_ROLE } from '../config/router-config.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';

/** A component's entry point: called once its session has joined. */
export type ComponentMain = (session: Session, extra: unknown) => void | Promise<void>;

/** The default export a component module may have instead of a function. */
export interface ComponentObject {
  onJoin: ComponentMain;
}

/** A running component. */
export interface RunningComponent {
  /** The component's id (config `id`, or its classname). */
  readonly id: string;
  readonly session: Session;
}

/** Options of {@link startClassComponent}. */
export interface StartComponentOptions {
  config: ClassComponentConfig;
  router: SessionAcceptor;
  cbdir: string;
  logger: Logger;
}

/** Loads the module of a component and returns its entry point. */
export async function loadComponentMain(file: string): Promise<ComponentMain> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new InvalidArgumentError(`component module ${file} could not be loaded: ${(error as Error).message}`, { cause: error });
  }
  const main = module.default;
  if (typeof main === 'function') return main as ComponentMain;
  if (typeof main === 'object' && main !== null && typeof (main as Partial<ComponentObject>).onJoin === 'function') {
    const object = main as ComponentObject;
    return (session, extra) => object.onJoin(session, extra);
  }
  throw new InvalidArgumentError(
    `component module ${file} must export default a function (session, extra) or an object with onJoin(session, extra)`,
  );
}

/**
 * Starts one component: loads its module, connects a session to the router in-process under the
 * configured realm and role, joins, and awaits its entry point.
 *
 * @throws InvalidArgumentError when the module cannot be loaded or has no entry point;
 *   whatever the join or the entry point throws.
 */
export async function startClassComponent(options: StartComponentOptions): Promise<RunningComponent> {
  const { config, logger } = options;
  const id = config.id ?? config.classname;
  const file = resolveInCbdir(options.cbdir, config.classname);
  const main = await loadComponentMain(file);

  const { client, router: end } = createMemoryTransportPair({ peer: `component:${id}` });
  const connection = options.router.connect(end, { authrole: config.role ?? TRUSTED_ROLE, authid: id, authmethod: 'trusted' });
  end.attach({
    onMessage: (message) => connection.receive(message),
    onProtocolError: (error) => connection.protocolViolation(error.message),
    onClose: () => connection.transportClosed(),
  });
  const session = new Session(client, { realm: config.realm, logger });
  await session.join();
  logger.info({ component: id, realm: config.realm, session: session.id }, 'component joined');
  try {
    await main(session, config.extra);
  } catch (error) {
    await session.leave().catch(() => undefined);
    throw error;
  }
  return { id, session };
}

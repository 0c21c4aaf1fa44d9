/**
 * Hosted components (Crossbar's `components` of type `class`): application code running in the
 * router's process, joined to a realm through an in-memory transport — no socket, no
 * serialization, same WAMP semantics as a remote client.
 *
 * Where Crossbar's `classname` names a Python class, ours is the path of a JS module (or a TS
 * module, with esbuild installed; relative to the config file's directory) whose default export
 * is either `(session, extra) => void | Promise<void>` or an object `{ onJoin(session, extra) }`.
 * Crossbar's bridge classes `crossbar.bridge.rest.RESTCallee` and
 * `crossbar.bridge.rest.MessageForwarder` are built in, so configs naming them start unchanged.
 */
import type { Session } from '@interchange/client';
import { InvalidArgumentError } from '@interchange/protocol';
import { BuiltinComponent } from '../config/component-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { joinInProcess } from './in-process-session.js';
import { messageForwarder } from './message-forwarder.js';
import { importModuleFile } from './module-loader.js';
import { restCallee } from './rest-callee.js';

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

/** What a component runs as: where its code is, which realm and role it joins, its `extra`. */
export interface ComponentSpec {
  id?: string | undefined;
  classname: string;
  realm: string;
  /** The authrole the node gives the component's session. */
  authrole: string;
  /** How the router reports the session's authmethod; `trusted` by default. */
  authmethod?: string;
  extra?: unknown;
}

/** Options of {@link startClassComponent}. */
export interface StartComponentOptions {
  component: ComponentSpec;
  router: SessionAcceptor;
  cbdir: string;
  logger: Logger;
}

/** Loads the module of a component and returns its entry point. */
export async function loadComponentMain(file: string): Promise<ComponentMain> {
  const module = await importModuleFile(file);
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

/** The entry point a classname names: a built-in bridge class, or a module file in the cbdir. */
export async function resolveComponentMain(classname: string, cbdir: string, logger: Logger): Promise<ComponentMain> {
  if (classname === BuiltinComponent.REST_CALLEE) return restCallee(logger);
  if (classname === BuiltinComponent.MESSAGE_FORWARDER) return messageForwarder({ logger });
  return loadComponentMain(resolveInCbdir(cbdir, classname));
}

/**
 * Starts one component: loads its code, connects a session to the router in-process under the
 * configured realm and role, joins, and awaits its entry point.
 *
 * @throws InvalidArgumentError when the module cannot be loaded or has no entry point;
 *   whatever the join or the entry point throws.
 */
export async function startClassComponent(options: StartComponentOptions): Promise<RunningComponent> {
  const { component, logger } = options;
  const id = component.id ?? component.classname;
  const main = await resolveComponentMain(component.classname, options.cbdir, logger);
  const session = await joinInProcess({
    router: options.router,
    realm: component.realm,
    authrole: component.authrole,
    authid: id,
    ...(component.authmethod === undefined ? {} : { authmethod: component.authmethod }),
    peer: `component:${id}`,
    logger,
  });
  logger.info(
    { component: id, realm: component.realm, authrole: component.authrole, session: session.id },
    'component joined',
  );
  try {
    await main(session, component.extra);
  } catch (error) {
    await session.leave().catch(() => undefined);
    throw error;
  }
  return { id, session };
}

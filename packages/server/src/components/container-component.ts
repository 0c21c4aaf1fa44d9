/**
 * Components of `container` workers. Crossbar runs a container as a separate process whose
 * components connect to a router over a transport. Here they run in the node's process: a
 * component whose transport points at one of this node's own listeners joins that router
 * in-process, with the role the listener gives anonymous sessions, exactly as if it had
 * connected; one pointing elsewhere connects over its transport (component-connect.ts; no
 * reconnection).
 */
import { connect } from '@interchange/client';
// Container components may connect with `serializer: ubjson`, which the full client leaves out.
import '@interchange/client/ubjson';
import type { ContainerComponentConfig } from '../config/component-schema.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { safeUrl } from '../web/safe-url.js';
import { type RunningComponent, resolveComponentMain, startClassComponent } from './class-component.js';
import { componentConnectOptions } from './component-connect.js';

export { componentUrl } from './component-connect.js';

/** The router of this node a container component joins, and under which role. */
export interface LocalComponentTarget {
  router: SessionAcceptor;
  authrole: string;
}

/** Options of {@link startContainerComponent}. */
export interface StartContainerComponentOptions {
  component: ContainerComponentConfig;
  /** Set when the component's transport points at this node. */
  target: LocalComponentTarget | undefined;
  cbdir: string;
  logger: Logger;
}

/**
 * Starts one container component.
 * @throws what loading its code, joining, or its entry point throws.
 */
export async function startContainerComponent(options: StartContainerComponentOptions): Promise<RunningComponent> {
  const { component, target, cbdir, logger } = options;
  const id = component.id ?? component.classname;
  if (target !== undefined) {
    return startClassComponent({
      // As if it had connected to that listener: an anonymous session with its role.
      component: {
        id,
        classname: component.classname,
        realm: component.realm,
        authrole: target.authrole,
        authmethod: 'anonymous',
        extra: component.extra,
      },
      router: target.router,
      cbdir,
      logger,
    });
  }
  const main = await resolveComponentMain(component.classname, cbdir, logger);
  const where = await componentConnectOptions(component, cbdir);
  const session = await connect({ ...where, realm: component.realm, logger });
  const url = where.url ?? where.transports?.[0]?.url ?? where.transports?.[0]?.path ?? '';
  logger.info({ component: id, realm: component.realm, url: safeUrl(url), session: session.id }, 'component joined');
  try {
    await main(session, component.extra);
  } catch (error) {
    await session.leave().catch(() => undefined);
    throw error;
  }
  return { id, session };
}

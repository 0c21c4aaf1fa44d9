/**
 * Components of `container` workers. Crossbar runs a container as a separate process whose
 * components connect to a router over a transport. Here they run in the node's process: a
 * component whose transport points at one of this node's own listeners joins that router
 * in-process, with the role the listener gives anonymous sessions, exactly as if it had
 * connected; one pointing elsewhere connects over WebSocket to its `url` (no reconnection).
 */
import { connect } from '@interchange/client';
import type { ContainerComponentConfig } from '../config/component-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { safeUrl } from '../web/safe-url.js';
import { type RunningComponent, resolveComponentMain, startClassComponent } from './class-component.js';

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

/** The WebSocket URL a remote component connects to: its `url`, else one built from its endpoint. */
export function componentUrl(component: ContainerComponentConfig, cbdir: string): string {
  const { transport } = component;
  if (transport.url !== undefined) return transport.url;
  const endpoint = transport.endpoint;
  if (endpoint.type === 'unix') return `ws+unix://${resolveInCbdir(cbdir, endpoint.path)}:/`;
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `ws://${host}:${endpoint.port}/`;
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
  const url = componentUrl(component, cbdir);
  const session = await connect({
    url,
    realm: component.realm,
    logger,
    ...(component.transport.serializers === undefined ? {} : { serializers: component.transport.serializers }),
  });
  logger.info({ component: id, realm: component.realm, url: safeUrl(url), session: session.id }, 'component joined');
  try {
    await main(session, component.extra);
  } catch (error) {
    await session.leave().catch(() => undefined);
    throw error;
  }
  return { id, session };
}

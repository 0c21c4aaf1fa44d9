/**
 * An MQTT CONNECT as a WAMP join: every MQTT client is a session of the transport's realm, so it
 * gets an authid and authrole, is authorized by its role and shows in the session meta API as a
 * WAMP client would. As in Crossbar, the transport's `auth` block decides: a user name and
 * password are answered as the `ticket` (or `wampcra`, the password being the secret) challenge
 * of that name, a TLS client certificate as `tls`, and no credentials as `anonymous`; without
 * an `auth` block the client joins anonymously with the transport's `role`.
 */
import { ApplicationError, authCra, createMemoryTransportPair, Session } from '@interchange/client';
import type { TransportCredentials } from '@interchange/router';
import { acceptAuthOf } from '../config/auth-schema.js';
import type { MqttOptionsConfig } from '../config/mqtt-schema.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { EventTap } from './event-tap.js';

/** Why a CONNECT was refused. */
export type JoinRefusal = 'bad-credentials' | 'not-authorized' | 'unavailable';

/** What joining needs. */
export interface JoinRequest {
  router: SessionAcceptor;
  options: MqttOptionsConfig;
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  /** The TLS credentials of the connection (client certificate, channel IDs), if any. */
  credentials: { transportCredentials?: TransportCredentials };
  /** The remote address, as transports report it (`tcp4:127.0.0.1:53122`). */
  peer: string;
  logger: Logger;
}

/** The WAMP session of an MQTT client, joined. */
export interface JoinedSession {
  session: Session;
  /** Where the session's EVENTs can be taken before the client `Session` builds them. */
  tap: EventTap;
  authid: string;
  authrole: string;
}

/** The WAMP authentication methods a CONNECT offers, in Crossbar's order (TLS first). */
function authMethodsOf(request: JoinRequest): string[] {
  const auth = request.options.auth ?? {};
  const methods: string[] = [];
  const certificate = request.credentials.transportCredentials?.clientCertificate !== undefined;
  if (certificate && auth.tls !== undefined) methods.push('tls');
  if (request.username !== undefined && request.password !== undefined) {
    if (auth.ticket !== undefined) methods.push('ticket');
    if (auth.wampcra !== undefined) methods.push('wampcra');
  } else if (auth.anonymous !== undefined) methods.push('anonymous');
  return methods;
}

/**
 * Joins the realm for a CONNECT; resolves to the session or to why the router refused it.
 *
 * @example
 * const joined = await joinForConnect({ router, options, clientId: 'dev1', username: 'joe', password, credentials: {}, peer, logger });
 */
export async function joinForConnect(request: JoinRequest): Promise<JoinedSession | JoinRefusal> {
  const { options } = request;
  const { client, router: end } = createMemoryTransportPair({ peer: request.peer });
  // EVENTs are taken on the router side, before the client `Session` (event-tap.ts).
  const tap = new EventTap();
  const connection = request.router.connect(
    {
      ...end,
      info: { ...end.info, type: 'mqtt', serializer: 'mqtt' },
      send: (message) => {
        if (!tap.toClient(message)) end.send(message);
      },
    },
    {
      authrole: options.role ?? 'anonymous',
      authid: request.clientId,
      authmethod: 'anonymous',
      ...acceptAuthOf(options.auth),
      ...request.credentials,
    },
  );
  end.attach({
    onMessage: (message) => {
      tap.fromClient(message);
      connection.receive(message);
    },
    onProtocolError: (error) => connection.protocolViolation(error.message),
    onClose: () => connection.transportClosed(),
  });
  const password = request.password?.toString('utf8');
  const withAuth = options.auth !== undefined;
  const session = new Session(client, {
    realm: options.realm,
    agent: 'Interchange MQTT bridge',
    authextra: { mqtt: { client_id: request.clientId } },
    ...(withAuth ? { authmethods: authMethodsOf(request), authid: request.username ?? request.clientId } : {}),
    onChallenge: ({ authMethod, extra }) => {
      if (password === undefined) throw new Error(`no password to answer a ${authMethod} challenge`);
      return authMethod === 'wampcra' ? authCra.answer(password, extra) : password;
    },
    logger: request.logger,
  });
  try {
    const welcome = await session.join();
    return {
      session,
      tap,
      authid: String(welcome['authid'] ?? request.clientId),
      authrole: String(welcome['authrole']),
    };
  } catch (error) {
    request.logger.debug({ err: error, clientId: request.clientId }, 'MQTT client refused by the realm');
    if (error instanceof ApplicationError && error.uri === 'wamp.error.no_such_realm') return 'unavailable';
    if (error instanceof ApplicationError && error.uri === 'wamp.error.system_shutdown') return 'unavailable';
    return request.username !== undefined ? 'bad-credentials' : 'not-authorized';
  }
}

/**
 * The universal transport's first step: tell a connection's protocol by its first octet. 0x7F
 * opens a RawSocket handshake (the spec chose it because no HTTP request can start with it);
 * anything else is HTTP, where the request decides between WebSocket (an upgrade) and the web
 * paths. The octets read are put back, so the chosen protocol sees the stream from its start.
 */
import type { Socket } from 'node:net';
import { RAWSOCKET_MAGIC } from '@interchange/protocol';
import type { Logger } from '../logger.js';

/** The first octet of an MQTT connection: CONNECT's packet type 1, flags 0 (MQTT 3.1.1 section 3.1.1). */
const MQTT_CONNECT_OCTET = 0x10;
const isMqttConnect = (octet: number) => octet === MQTT_CONNECT_OCTET;

/** Where {@link dispatchByFirstOctet} sends a connection. */
export interface UniversalTargets {
  /** RawSocket; without it, a RawSocket client is disconnected. */
  rawsocket: ((socket: Socket) => void) | undefined;
  http: (socket: Socket) => void;
  /** MQTT (first octet 0x10, a CONNECT packet); without it, an MQTT client is taken for HTTP and refused there. */
  mqtt?: ((socket: Socket) => void) | undefined;
  /** Which first octets go to `mqtt`; CONNECT's 0x10 by default. */
  isMqtt?: ((octet: number) => boolean) | undefined;
  /** Milliseconds a client has to send its first octet. */
  firstOctetTimeoutMs: number;
  logger: Logger;
}

/** Waits for the first octet of a connection and hands the connection on. Never throws. */
export function dispatchByFirstOctet(socket: Socket, targets: UniversalTargets): void {
  const timer = setTimeout(() => {
    targets.logger.debug({ peer: socket.remoteAddress }, 'no data on a universal connection; closing');
    socket.destroy();
  }, targets.firstOctetTimeoutMs);
  const onClose = () => clearTimeout(timer);
  socket.once('close', onClose);
  socket.once('data', (chunk: Buffer) => {
    clearTimeout(timer);
    socket.off('close', onClose);
    socket.pause();
    socket.unshift(chunk);
    try {
      if (chunk[0] === RAWSOCKET_MAGIC) {
        if (targets.rawsocket === undefined) {
          targets.logger.debug(
            { peer: socket.remoteAddress },
            'RawSocket client on a universal transport without rawsocket; closing',
          );
          socket.destroy();
          return;
        }
        targets.rawsocket(socket);
      } else if (targets.mqtt !== undefined && (targets.isMqtt ?? isMqttConnect)(chunk[0] as number)) {
        targets.mqtt(socket);
      } else {
        targets.http(socket);
      }
      socket.resume();
    } catch (error) {
      targets.logger.error({ err: error }, 'universal dispatch failed');
      socket.destroy();
    }
  });
}

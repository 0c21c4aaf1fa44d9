/**
 * How a JS container component whose transport points away from this node connects (and a
 * router link, src/rlinks/), from Crossbar's connecting-transport config: WebSocket to `url`
 * (`wss://` with `endpoint.tls`), RawSocket to the endpoint (`rss://` with `endpoint.tls`, or a
 * Unix socket) with its `serializer`, and `options.max_message_size` as the largest message
 * accepted. TLS trusts `ca_certificates` instead of the system's CAs when given, presents
 * `certificate`/`key`, and checks the server's certificate against `hostname` (sent as the SNI
 * name).
 */
import { readFile } from 'node:fs/promises';
import type { ConnectOptions } from '@interchange/client';
import { WebSocket as NodeWebSocket } from 'ws';
import type { ContainerComponentConfig } from '../config/component-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';

/** The TLS material of `endpoint.tls`, read. */
interface TlsMaterial {
  hostname: string;
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

async function tlsMaterial(
  component: Pick<ContainerComponentConfig, 'transport'>,
  cbdir: string,
): Promise<TlsMaterial | undefined> {
  const endpoint = component.transport.endpoint;
  const tls = endpoint.type === 'tcp' ? endpoint.tls : undefined;
  if (tls === undefined) return undefined;
  const read = (file: string) => readFile(resolveInCbdir(cbdir, file));
  return {
    hostname: tls.hostname,
    ...(tls.ca_certificates === undefined ? {} : { ca: await Promise.all(tls.ca_certificates.map(read)) }),
    ...(tls.certificate === undefined ? {} : { cert: await read(tls.certificate) }),
    ...(tls.key === undefined ? {} : { key: await read(tls.key) }),
  };
}

/** The WebSocket URL of a remote component: its `url`, else one built from its endpoint. */
export function componentUrl(component: Pick<ContainerComponentConfig, 'transport'>, cbdir: string): string {
  const { transport } = component;
  if (transport.url !== undefined) return transport.url;
  const endpoint = transport.endpoint;
  if (endpoint.type === 'unix') return `ws+unix://${resolveInCbdir(cbdir, endpoint.path)}:/`;
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.tls === undefined ? 'ws' : 'wss'}://${host}:${endpoint.port}/`;
}

/** A `ws` WebSocket class carrying the component's TLS and size options. */
function webSocketClass(tls: TlsMaterial | undefined, maxPayload: number | undefined) {
  const options = {
    ...(maxPayload === undefined ? {} : { maxPayload }),
    ...(tls === undefined
      ? {}
      : {
          // Node checks the certificate against `servername` when it is set.
          servername: tls.hostname,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls.cert === undefined ? {} : { cert: tls.cert }),
          ...(tls.key === undefined ? {} : { key: tls.key }),
        }),
  };
  return class ComponentWebSocket extends NodeWebSocket {
    constructor(url: string, protocols?: string[]) {
      super(url, protocols, options);
    }
  };
}

/** The part of `connect`'s options that says where and how a remote component connects. */
export async function componentConnectOptions(
  component: Pick<ContainerComponentConfig, 'transport'>,
  cbdir: string,
): Promise<Pick<ConnectOptions, 'url' | 'transports' | 'serializers' | 'WebSocket'>> {
  const { transport } = component;
  const tls = await tlsMaterial(component, cbdir);
  const maxMessageSize = transport.options?.max_message_size;
  if (transport.type === 'websocket') {
    return {
      url: componentUrl(component, cbdir),
      ...(transport.serializers === undefined ? {} : { serializers: transport.serializers }),
      ...(tls === undefined && maxMessageSize === undefined
        ? {}
        : { WebSocket: webSocketClass(tls, maxMessageSize) as unknown as NonNullable<ConnectOptions['WebSocket']> }),
    };
  }
  const endpoint = transport.endpoint;
  const where =
    endpoint.type === 'unix'
      ? { path: resolveInCbdir(cbdir, endpoint.path) }
      : {
          url: `${tls === undefined ? 'rs' : 'rss'}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`,
        };
  return {
    transports: [
      {
        type: 'rawsocket',
        ...where,
        ...(transport.serializer === undefined ? {} : { serializers: [transport.serializer] }),
        ...(maxMessageSize === undefined ? {} : { maxMessageSize }),
        ...(tls === undefined
          ? {}
          : {
              tls: {
                servername: tls.hostname,
                ...(tls.ca === undefined ? {} : { ca: tls.ca }),
                ...(tls.cert === undefined ? {} : { cert: tls.cert }),
                ...(tls.key === undefined ? {} : { key: tls.key }),
              },
            }),
      },
    ],
  };
}

/**
 * The config `interchange init` writes: one realm, an anonymous role allowed everything, and one
 * web transport serving `../web` at `/` and WebSocket at `/ws` — the same starting point
 * `crossbar init` gives, so Crossbar tutorials read the same.
 */

/** The port `interchange init` configures. */
export const DEFAULT_PORT = 8080;

/** The realm `interchange init` configures. */
export const DEFAULT_REALM = 'realm1';

/**
 * Builds the starter config as plain JSON data (version 2, Crossbar-shaped).
 *
 * @example
 * await writeFile('.interchange/config.json', JSON.stringify(defaultNodeConfig(), null, 2));
 */
export function defaultNodeConfig(options: { port?: number; realm?: string } = {}): Record<string, unknown> {
  return {
    version: 2,
    controller: {},
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: options.realm ?? DEFAULT_REALM,
            roles: [
              {
                name: 'anonymous',
                permissions: [
                  {
                    uri: '',
                    match: 'prefix',
                    allow: { call: true, register: true, publish: true, subscribe: true },
                    disclose: { caller: false, publisher: false },
                    cache: true,
                  },
                ],
              },
            ],
          },
        ],
        transports: [
          {
            type: 'web',
            endpoint: { type: 'tcp', port: options.port ?? DEFAULT_PORT },
            paths: {
              '/': { type: 'static', directory: '../web' },
              ws: { type: 'websocket', serializers: ['json', 'msgpack', 'cbor'] },
            },
          },
        ],
      },
    ],
  };
}

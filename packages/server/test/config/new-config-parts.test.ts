/**
 * The config parts of the HTTP bridge, RawSocket, long-poll, universal, TLS, container and guest
 * workers: accepted in Crossbar's shapes, and each mistake reported with its key path.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';

const router = (extra: Record<string, unknown>) => ({
  type: 'router',
  realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [] }] }],
  ...extra,
});
const web = (paths: Record<string, unknown>) =>
  router({ transports: [{ type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths }] });

async function problems(...workers: unknown[]): Promise<string[]> {
  const result = await validateConfig({ version: 2, workers });
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('config of the new transports and services', () => {
  it('accepts every new part in its Crossbar shape', async () => {
    expect(
      await problems(
        router({
          transports: [
            {
              type: 'rawsocket',
              endpoint: { type: 'unix', path: 'sock' },
              serializers: ['json', 'msgpack'],
              max_message_size: 131072,
              debug: false,
            },
            {
              type: 'universal',
              endpoint: {
                type: 'tcp',
                port: 8080,
                tls: { key: 'k.pem', certificate: 'c.pem', ca_certificates: ['ca.pem'], ciphers: 'HIGH' },
              },
              rawsocket: { serializers: ['cbor'] },
              websocket: { ws: { type: 'websocket', options: { compression: { deflate: { max_window_bits: 10 } } } } },
              web: { paths: { '/': { type: 'redirect', url: '/ws' } } },
            },
            {
              type: 'web',
              endpoint: { type: 'tcp', port: 8081 },
              paths: {
                lp: {
                  type: 'longpoll',
                  options: {
                    request_timeout: 10,
                    session_timeout: 30,
                    queue_limit_bytes: 131072,
                    queue_limit_messages: 100,
                    debug_transport_id: 'kjmd3sBLOUnb3Fyr',
                  },
                },
                info: { type: 'nodeinfo' },
                publish: {
                  type: 'publisher',
                  realm: 'realm1',
                  role: 'anonymous',
                  options: {
                    key: 'k',
                    secret: 's',
                    post_body_limit: 8192,
                    timestamp_delta_limit: 10,
                    require_ip: ['192.168.1.1/255.255.255.0', '127.0.0.1'],
                    require_tls: false,
                  },
                },
                call: { type: 'caller', realm: 'realm1', role: 'anonymous' },
                hook: {
                  type: 'webhook',
                  realm: 'realm1',
                  role: 'anonymous',
                  options: { topic: 'com.hooks', github_secret: 'x', success_response: 'ok', error_response: 'no' },
                },
              },
            },
          ],
        }),
        {
          type: 'container',
          options: { pythonpath: ['..'] },
          components: [
            {
              type: 'class',
              classname: 'crossbar.bridge.rest.RESTCallee',
              realm: 'realm1',
              extra: { procedure: 'p', baseurl: 'http://x' },
              transport: {
                type: 'websocket',
                endpoint: { type: 'tcp', host: '127.0.0.1', port: 8081 },
                url: 'ws://127.0.0.1:8081/ws',
              },
            },
          ],
        },
        {
          type: 'guest',
          executable: 'node',
          arguments: ['hello.js'],
          options: { workdir: '..', env: { inherit: ['PATH'], vars: { A: '1' } }, stdout: 'log', stderr: 'drop' },
        },
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a key without secret',
      [web({ publish: { type: 'publisher', realm: 'realm1', options: { key: 'k' } } })],
      'workers[0].transports[0].paths.publish.options.secret: required: signed requests need both "key" and "secret"',
    ],
    [
      'a require_ip entry that is no network',
      [web({ call: { type: 'caller', realm: 'realm1', options: { require_ip: ['10.0.0.0/40'] } } })],
      'workers[0].transports[0].paths.call.options.require_ip[0]: "10.0.0.0/40" has an invalid prefix or netmask',
    ],
    [
      'a bridge realm that does not exist',
      [web({ call: { type: 'caller', realm: 'nope' } })],
      'workers[0].transports[0].paths.call.realm: no realm "nope" in workers[0].realms (defined: "realm1")',
    ],
    [
      'a bridge role the realm lacks',
      [web({ call: { type: 'caller', realm: 'realm1', role: 'admin' } })],
      'workers[0].transports[0].paths.call.role: no role "admin" in realm "realm1"',
    ],
    [
      'a webhook without topic',
      [web({ hook: { type: 'webhook', realm: 'realm1', options: {} } })],
      'workers[0].transports[0].paths.hook.options.topic: required: expected a non-empty string',
    ],
    [
      'a post_body_limit over 1 MiB',
      [web({ publish: { type: 'publisher', realm: 'realm1', options: { post_body_limit: 2 ** 21 } } })],
      'workers[0].transports[0].paths.publish.options.post_body_limit: expected an integer 0..1048576, got 2097152',
    ],
    [
      'a window size out of range',
      [
        router({
          transports: [
            {
              type: 'websocket',
              endpoint: { type: 'tcp', port: 1 },
              options: { compression: { deflate: { max_window_bits: 16 } } },
            },
          ],
        }),
      ],
      'workers[0].transports[0].options.compression.deflate.max_window_bits: expected an integer 8..15, got 16',
    ],
    [
      'two listeners on one Unix socket',
      [
        router({
          transports: [
            { type: 'rawsocket', endpoint: { type: 'unix', path: '/tmp/x.sock' } },
            { type: 'web', endpoint: { type: 'unix', path: '/tmp/x.sock' }, paths: { ws: { type: 'websocket' } } },
          ],
        }),
      ],
      'workers[0].transports[1].endpoint.path: socket /tmp/x.sock is already used by workers[0].transports[0]',
    ],
    [
      'a guest env var that is no string',
      [{ type: 'guest', executable: 'x', options: { env: { vars: { N: 1 } } } }],
      'workers[0].options.env.vars: expected an object of string values',
    ],
    [
      'a guest stdout action Crossbar does not have',
      [{ type: 'guest', executable: 'x', options: { stdout: 'print' } }],
      'workers[0].options.stdout: expected one of "log", "drop", "close", got "print"',
    ],
  ])('reports %s', async (_name, workers, message) => {
    expect(await problems(...workers)).toContain(message);
  });

  it('accepts a container component connecting over RawSocket to another node', async () => {
    const result = await validateConfig({
      version: 2,
      workers: [
        {
          type: 'container',
          components: [
            {
              type: 'class',
              classname: 'crossbar.bridge.rest.RESTCallee',
              realm: 'r',
              extra: { procedure: 'p', baseurl: 'http://x' },
              transport: { type: 'rawsocket', endpoint: { type: 'tcp', host: 'elsewhere', port: 9 } },
            },
          ],
        },
      ],
    });
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import type { RouterWorkerConfig } from '../../src/config/config-schema.js';
import { defaultNodeConfig } from '../../src/config/default-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

/** The realm/transport part of the config from the Crossbar seed article, made version 2. */
function crossbarSeedConfig(): Record<string, unknown> {
  return {
    version: 2,
    controller: {},
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: 'acme-company',
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
          { type: 'websocket', endpoint: { type: 'tcp', port: 7000 } },
          {
            type: 'web',
            endpoint: { type: 'tcp', port: 8000, backlog: 1024 },
            paths: { '/': { type: 'static', directory: '../web' }, ws: { type: 'websocket' } },
          },
        ],
      },
    ],
  };
}

async function problems(raw: unknown): Promise<string[]> {
  const result = await validateConfig(raw);
  return result.ok ? [] : result.issues.map(formatIssue);
}

function withTransport(transport: unknown): Record<string, unknown> {
  const config = crossbarSeedConfig();
  (config.workers as { transports: unknown[] }[])[0]!.transports[1] = transport;
  return config;
}

describe('validateConfig', () => {
  it('accepts a Crossbar-shaped version 2 config and fills defaults', async () => {
    const result = await validateConfig(crossbarSeedConfig());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const worker = result.config.workers[0] as RouterWorkerConfig;
    expect(worker.realms![0]!.roles![0]!.permissions![0]).toMatchObject({ uri: '', match: 'prefix', cache: true });
    expect(worker.components).toEqual([]);
    const web = worker.transports[1]!;
    expect(web.type === 'web' && web.paths['/']).toEqual({ type: 'static', directory: '../web' });
  });

  it('accepts the config `interchange init` writes', async () => {
    expect(await problems(defaultNodeConfig())).toEqual([]);
  });

  it('accepts YAML-style extras Crossbar writes: $schema, controller id, worker title', async () => {
    const config = crossbarSeedConfig();
    config.$schema = 'https://example.org/crossbar.json';
    config.controller = { id: 'node1', options: { title: 'node' } };
    expect(await problems(config)).toEqual([]);
  });

  it.each([
    [
      'a port that is not a number',
      withTransport({ type: 'websocket', endpoint: { type: 'tcp', port: 'abc' } }),
      'workers[0].transports[1].endpoint.port: expected an integer 0..65535, got "abc"',
    ],
    [
      'a port out of range',
      withTransport({ type: 'websocket', endpoint: { type: 'tcp', port: 70000 } }),
      'workers[0].transports[1].endpoint.port: expected an integer 0..65535, got 70000',
    ],
    [
      'a missing endpoint',
      withTransport({ type: 'websocket' }),
      'workers[0].transports[1].endpoint: required: expected an object',
    ],
    [
      'a wrong version',
      { ...crossbarSeedConfig(), version: 1 },
      'version: expected 2 (Crossbar node config version 2), got 1',
    ],
    ['workers not a list', { version: 2, workers: {} }, 'workers: expected a list, got an object'],
    [
      'a bad serializer name',
      withTransport({ type: 'websocket', endpoint: { type: 'tcp', port: 7001 }, serializers: ['json', 'xml'] }),
      'workers[0].transports[1].serializers[1]: expected one of "json", "msgpack", "cbor", "ubjson", got "xml"',
    ],
    [
      'a bad match policy',
      {
        version: 2,
        workers: [
          {
            type: 'router',
            realms: [{ name: 'r', roles: [{ name: 'a', permissions: [{ uri: 'x', match: 'regex', allow: {} }] }] }],
          },
        ],
      },
      'workers[0].realms[0].roles[0].permissions[0].match: expected one of "exact", "prefix", "wildcard", got "regex"',
    ],
    [
      'a boolean given as a string',
      {
        version: 2,
        workers: [
          {
            type: 'router',
            realms: [{ name: 'r', roles: [{ name: 'a', permissions: [{ uri: 'x', allow: { call: 'yes' } }] }] }],
          },
        ],
      },
      'workers[0].realms[0].roles[0].permissions[0].allow.call: expected true or false, got "yes"',
    ],
    [
      'a realm name with spaces',
      { version: 2, workers: [{ type: 'router', realms: [{ name: 'my realm' }] }] },
      'workers[0].realms[0].name: expected a realm name (a WAMP URI such as "realm1"), got "my realm"',
    ],
    [
      'a path key with a slash',
      withTransport({ type: 'web', endpoint: { type: 'tcp', port: 7001 }, paths: { 'a/b': { type: 'websocket' } } }),
      'workers[0].transports[1].paths["a/b"]: invalid key: expected a single path segment such as "ws", or "/", got "a/b"',
    ],
    [
      'an unknown transport type',
      withTransport({ type: 'carrier-pigeon', endpoint: { type: 'tcp', port: 7001 } }),
      'workers[0].transports[1].type: expected one of "websocket", "web", "rawsocket", "universal", "mqtt", got "carrier-pigeon"',
    ],
    [
      'a component whose realm does not exist',
      {
        ...crossbarSeedConfig(),
        workers: [
          {
            type: 'router',
            realms: [{ name: 'realm1' }],
            components: [{ type: 'class', classname: './a.js', realm: 'nope' }],
          },
        ],
      },
      'workers[0].components[0].realm: no realm "nope" in workers[0].realms (defined: "realm1")',
    ],
    [
      'two transports on one port',
      withTransport({ type: 'websocket', endpoint: { type: 'tcp', port: 7000 } }),
      'workers[0].transports[1].endpoint.port: port 7000 is already used by workers[0].transports[0]',
    ],
  ])('names the key path for %s', async (_name, config, message) => {
    expect(await problems(config)).toContain(message);
  });

  it('reports every problem, not just the first', async () => {
    const config = withTransport({
      type: 'web',
      endpoint: { type: 'tcp', port: -1 },
      paths: { ws: { type: 'websocket', serializers: [] } },
    });
    expect(await problems(config)).toEqual([
      'workers[0].transports[1].endpoint.port: expected an integer 0..65535, got -1',
      'workers[0].transports[1].paths.ws.serializers: expected a non-empty list, got an empty list',
    ]);
  });

  it.each([
    [
      'a Crossbar path type',
      withTransport({
        type: 'web',
        endpoint: { type: 'tcp', port: 8000 },
        paths: { app: { type: 'catalog' } },
      }),
      'workers[0].transports[1].paths.app.type: unsupported path type "catalog" (not implemented by Interchange yet; supported: "static", "websocket", "longpoll", "redirect", "nodeinfo", "metrics", "dashboard", "publisher", "caller", "webhook", "json", "archive", "reverseproxy", "websocket-reverseproxy", "upload", "wsgi", "resource", "sse", "wap", "path")',
    ],
    [
      'a WebSocket option that cannot exist here',
      withTransport({
        type: 'websocket',
        endpoint: { type: 'tcp', port: 8000 },
        options: { mask_server_frames: true },
      }),
      'workers[0].transports[1].options.mask_server_frames: unsupported value true: RFC 6455 section 5.1 forbids a server to mask its frames',
    ],
    [
      'the flatbuffers serializer',
      withTransport({ type: 'websocket', endpoint: { type: 'tcp', port: 8000 }, serializers: ['json', 'flatbuffers'] }),
      'workers[0].transports[1].serializers[1]: unsupported serializer "flatbuffers" (not implemented by Interchange yet; supported: json, msgpack, cbor, ubjson)',
    ],
    [
      'cryptosign trustroots',
      withTransport({
        type: 'websocket',
        endpoint: { type: 'tcp', port: 8000 },
        auth: { cryptosign: { type: 'static', principals: {}, trustroots: { realm1: { certificate: 'root.json' } } } },
      }),
      'workers[0].transports[1].auth.cryptosign.trustroots: unsupported key (not implemented by Interchange; supported here: type, principals)',
    ],
  ])('reports %s as unsupported with its key path', async (_name, config, message) => {
    const result = await validateConfig(config);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => `${i.path}: ${i.message}` === message);
    expect(result.issues.map(formatIssue)).toContain(message);
    expect(issue?.kind).toBe('unsupported');
  });

  it('reports unsupported keys alongside invalid values of the same object', async () => {
    const config = withTransport({ type: 'websocket', endpoint: { type: 'tcp', port: 'x', portrange: [1, 2] } });
    expect(await problems(config)).toEqual([
      'workers[0].transports[1].endpoint.portrange: unsupported key (not implemented by Interchange; supported here: type, port, interface, version, backlog, shared, max_connections_per_address, max_connections, tls)',
      'workers[0].transports[1].endpoint.port: expected an integer 0..65535, got "x"',
    ]);
  });

  it('checks files relative to the cbdir when one is given', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-cfg-'));
    await mkdir(join(cbdir, 'web'));
    const config = withTransport({
      type: 'web',
      endpoint: { type: 'tcp', port: 8000 },
      paths: { '/': { type: 'static', directory: 'web' }, missing: { type: 'static', directory: 'nope' } },
    });
    (config.workers as Record<string, unknown>[])[0]!.components = [
      { type: 'class', classname: 'component.js', realm: 'acme-company' },
    ];
    const result = await validateConfig(config, { cbdir });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      `warning: workers[0].transports[1].paths.missing.directory: directory not found: ${join(cbdir, 'nope')} (the node starts and answers 404 on this path until it exists)`,
      `workers[0].components[0].classname: module not found: ${join(cbdir, 'component.js')} (classname is the path of a JS module, relative to the config file's directory)`,
    ]);
    await writeFile(join(cbdir, 'component.js'), 'export default () => {};');
    const again = await validateConfig(config, { cbdir });
    expect(again.ok ? again.warnings.map(formatIssue) : []).toHaveLength(1);
  });
});

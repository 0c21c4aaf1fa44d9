import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { tempDir, workerConfig } from '../helpers.js';

async function problems(raw: unknown, cbdir?: string): Promise<string[]> {
  const result = await validateConfig(raw, cbdir === undefined ? {} : { cbdir });
  return result.ok ? result.warnings.map(formatIssue) : result.issues.map(formatIssue);
}

const ALL = { call: true, register: true, publish: true, subscribe: true };

describe('one check reports every problem', () => {
  it('reports key errors, cross-reference errors and file errors together', async () => {
    const cbdir = await tempDir();
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [
            { name: 'realm1', roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL }] }] },
          ],
          transports: [
            // A key Interchange does not know here, and below a bad value: both transports are still
            // checked for the rest (their port clash, the static directory).
            { type: 'websocket', endpoint: { type: 'tcp', port: 8080 }, frobnicate: true },
            {
              type: 'web',
              endpoint: { type: 'tcp', port: 8080 },
              paths: {
                '/': { type: 'static', directory: 'no-such-web' },
                ws: { type: 'websocket', options: { max_message_size: 'big' } },
              },
            },
          ],
          components: [
            { type: 'class', classname: 'missing-backend.js', realm: 'realm2' },
            { type: 'class', classname: 'other.js', realm: 'realm1', role: 'admin' },
          ],
        },
      ],
    };
    expect(await problems(config, cbdir)).toEqual([
      'workers[0].transports[0].frobnicate: unsupported key (not implemented by Interchange; supported here: type, url, serializers, options, auth, debug, cookie, id, endpoint)',
      'workers[0].transports[1].paths.ws.options.max_message_size: expected an integer 1..2147483647, got "big"',
      'workers[0].components[0].realm: no realm "realm2" in workers[0].realms (defined: "realm1")',
      'workers[0].components[1].role: no role "admin" in realm "realm1"',
      'workers[0].transports[1].endpoint.port: port 8080 is already used by workers[0].transports[0]',
      `warning: workers[0].transports[1].paths["/"].directory: directory not found: ${join(cbdir, 'no-such-web')} (the node starts and answers 404 on this path until it exists)`,
      `workers[0].components[0].classname: module not found: ${join(cbdir, 'missing-backend.js')} (classname is the path of a JS module, relative to the config file's directory)`,
      `workers[0].components[1].classname: module not found: ${join(cbdir, 'other.js')} (classname is the path of a JS module, relative to the config file's directory)`,
    ]);
  });

  it('reports the key paths of the file even when earlier list items did not parse', async () => {
    const cbdir = await tempDir();
    await mkdir(join(cbdir, 'web'));
    const config = {
      version: 2,
      workers: [
        { type: 'no-such-worker' },
        {
          type: 'router',
          realms: [
            { name: 'bad realm name' },
            { name: 'realm1', roles: [{ name: 'anonymous', allow: 'everything' }, { name: 'user' }] },
          ],
          transports: [
            { type: 'carrier-pigeon' },
            { type: 'websocket', endpoint: { type: 'tcp', port: 9000 } },
            { type: 'rawsocket', endpoint: { type: 'tcp', port: 9000 } },
          ],
          components: [{ type: 'class', classname: 'gone.js', realm: 'realm1', role: 'user' }],
        },
      ],
    };
    expect(await problems(config, cbdir)).toEqual([
      'workers[0].type: expected one of "router", "container", "guest", got "no-such-worker"',
      'workers[1].realms[0].name: expected a realm name (a WAMP URI such as "realm1"), got "bad realm name"',
      'workers[1].realms[1].roles[0].allow: unsupported key (not implemented by Interchange; supported here: name, permissions, authorizer, allow-by-default)',
      'workers[1].transports[0].type: expected one of "websocket", "web", "rawsocket", "universal", "mqtt", got "carrier-pigeon"',
      // The realm list lost an item and the worker list too: the indices are still the file's.
      'workers[1].transports[2].endpoint.port: port 9000 is already used by workers[1].transports[1]',
      `workers[1].components[0].classname: module not found: ${join(cbdir, 'gone.js')} (classname is the path of a JS module, relative to the config file's directory)`,
    ]);
  });

  it('does not call a realm missing when it is there with a problem of its own', async () => {
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [{ name: 'realm1', roles: [{ name: 'backend', permissions: 'all' }] }],
          components: [{ type: 'class', classname: 'backend.js', realm: 'realm1', role: 'backend' }],
        },
      ],
    };
    expect(await problems(config)).toEqual(['workers[0].realms[0].roles[0].permissions: expected a list, got "all"']);
  });

  it('finds a problem that the schema shows only once its neighbours are fixed', async () => {
    // zod skips an object's refinement (permissions or authorizer, not both) while a key of it is bad.
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [
            {
              name: 'realm1',
              roles: [
                {
                  name: 'r',
                  authorizer: 'com.example.authorize',
                  permissions: [{ uri: 'a', allow: ALL }],
                  colour: 'blue',
                },
              ],
            },
          ],
        },
      ],
    };
    expect(await problems(config)).toEqual([
      'workers[0].realms[0].roles[0].colour: unsupported key (not implemented by Interchange; supported here: name, permissions, authorizer, allow-by-default)',
      'workers[0].realms[0].roles[0].authorizer: a role has either permissions or an authorizer, not both',
    ]);
  });

  it('checks the rest of a config whose version is wrong', async () => {
    const config = {
      version: 1,
      workers: [{ type: 'router', realms: [], components: [{ type: 'class', classname: 'a.js', realm: 'realm1' }] }],
    };
    expect(await problems(config)).toEqual([
      'version: expected 2 (Crossbar node config version 2), got 1',
      'workers[0].components[0].realm: no realm "realm1" in workers[0].realms (defined: none)',
    ]);
  });

  it('a config that only has warnings is valid and carries them', async () => {
    const cbdir = await tempDir();
    await writeFile(join(cbdir, 'backend.js'), 'export default () => {};');
    const result = await validateConfig(
      workerConfig(
        [
          {
            type: 'web',
            endpoint: { type: 'tcp', port: 8080 },
            paths: { '/': { type: 'static', directory: '../web' } },
          },
        ],
        { components: [{ type: 'class', classname: 'backend.js', realm: 'realm1' }] },
      ),
      { cbdir },
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings.map((w) => [w.kind, w.path])).toEqual([
      ['warning', 'workers[0].transports[0].paths["/"].directory'],
    ]);
  });
});

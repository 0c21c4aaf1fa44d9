import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-issues.js';
import type { RouterWorkerConfig } from '../../src/config/config-schema.js';
import { loadConfig, locateConfig, parseConfigText } from '../../src/config/load-config.js';

const YAML_CONFIG = `
version: 2
workers:
  - type: router
    realms:
      - name: realm1
        roles:
          - name: anonymous
            permissions:
              - uri: ''
                match: prefix
                allow: { call: true, register: true, publish: true, subscribe: true }
    transports:
      - type: web
        endpoint: { type: tcp, port: 8080 }
        paths:
          /: { type: static, directory: ../web }
          ws: { type: websocket, serializers: [json, cbor] }
`;

async function nodeDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'interchange-load-'));
  await mkdir(join(root, 'web'));
  await mkdir(join(root, '.interchange'));
  return root;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('loads config.yaml from the default cbdir, resolving paths against it', async () => {
    const root = await nodeDir();
    await writeFile(join(root, '.interchange', 'config.yaml'), YAML_CONFIG);
    const loaded = await loadConfig({ cwd: root });
    expect(loaded.cbdir).toBe(join(root, '.interchange'));
    expect(loaded.file).toBe(join(root, '.interchange', 'config.yaml'));
    const web = (loaded.config.workers[0] as RouterWorkerConfig).transports[0]!;
    expect(web.type === 'web' && web.paths.ws).toEqual({ type: 'websocket', serializers: ['json', 'cbor'] });
  });

  it('loads a JSON file given with --config; its directory is the cbdir', async () => {
    const root = await nodeDir();
    const config = { version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }] }] };
    await writeFile(join(root, 'node.json'), JSON.stringify(config));
    const loaded = await loadConfig({ cwd: root, config: 'node.json' });
    expect(loaded.cbdir).toBe(root);
    expect((loaded.config.workers[0] as RouterWorkerConfig).realms[0]!.name).toBe('realm1');
  });

  it('prefers config.json over config.yaml in a cbdir', async () => {
    const root = await nodeDir();
    await writeFile(join(root, '.interchange', 'config.yaml'), YAML_CONFIG);
    await writeFile(join(root, '.interchange', 'config.json'), '{"version": 2}');
    expect((await locateConfig({ cwd: root })).file).toBe(join(root, '.interchange', 'config.json'));
  });

  it('says which file is missing', async () => {
    const root = await nodeDir();
    const error = await rejection(loadConfig({ cwd: root, cbdir: 'elsewhere' }));
    expect(error.message).toContain(join(root, 'elsewhere'));
    expect(error.message).toContain('no config file found');
  });

  it('reports schema problems with the file name and key paths', async () => {
    const root = await nodeDir();
    await writeFile(join(root, '.interchange', 'config.yaml'), YAML_CONFIG.replace('port: 8080', 'port: abc'));
    const error = await rejection(loadConfig({ cwd: root }));
    expect(error.file).toBe(join(root, '.interchange', 'config.yaml'));
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'workers[0].transports[0].endpoint.port: expected an integer 0..65535, got "abc"',
    ]);
  });
});

describe('parseConfigText', () => {
  it('parses YAML and JSON by extension', () => {
    expect(parseConfigText('version: 2\nworkers: []\n', 'c.yml')).toEqual({ version: 2, workers: [] });
    expect(parseConfigText('{"version": 2}', 'c.json')).toEqual({ version: 2 });
  });

  it('gives the line of a JSON syntax error', () => {
    expect(() => parseConfigText('{\n  "version": 2,\n}', 'c.json')).toThrow(/invalid JSON \(line 3, column 1\)/);
  });

  it('gives the line of a YAML syntax error', () => {
    expect(() => parseConfigText('version: 2\nworkers: [\n', 'c.yaml')).toThrow(
      /invalid YAML \(line \d+, column \d+\)/,
    );
  });

  // Found by fuzz/targets/config.mjs: yaml resolves aliases only when the document becomes a
  // value, and threw a bare ReferenceError from there (a stack trace for `interchange check`).
  it('answers a YAML alias without its anchor, or a billion laughs of aliases, with a ConfigError', () => {
    expect(() => parseConfigText('version: *nowhere\n', 'c.yaml')).toThrow(ConfigError);
    expect(() => parseConfigText('version: *nowhere\n', 'c.yaml')).toThrow(/invalid YAML: Unresolved alias/);
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    expect(() => parseConfigText(laughs.join('\n'), 'c.yaml')).toThrow(/invalid YAML: Excessive alias count/);
  });

  it('refuses other extensions', () => {
    expect(() => parseConfigText('version = 2', 'c.toml')).toThrow(/unknown config file type ".toml"/);
  });
});

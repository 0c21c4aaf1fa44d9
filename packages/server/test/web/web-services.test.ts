/**
 * The json, archive and nested path services, from a config in Crossbar's format, over real
 * HTTP; and the path types that need Crossbar's own Python process, refused by name with their alternative.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { connect } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { httpRequest, LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

/** Writes a ZIP file with `files` (name → contents). */
async function writeZip(file: string, files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, contents] of Object.entries(files)) zip.addBuffer(Buffer.from(contents), name);
  zip.end();
  const out = createWriteStream(file);
  zip.outputStream.pipe(out);
  await once(out, 'close');
  const { readFile } = await import('node:fs/promises');
  return readFile(file);
}

const VALUE = { param1: 'foobar', param2: [1, 2, 3], param3: { a: 'ä', b: null } };

function webConfig(paths: Record<string, unknown>): Record<string, unknown> {
  return workerConfig([{ type: 'web', endpoint: LOCAL_ENDPOINT, paths }], {
    realms: [
      {
        name: 'realm1',
        roles: [
          {
            name: 'anonymous',
            permissions: [
              { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
            ],
          },
        ],
      },
    ],
  });
}

describe('json, archive and nested path services', () => {
  let node: InterchangeNode;
  let port: number;
  let cbdir: string;

  beforeAll(async () => {
    cbdir = await tempDir();
    const zip = await writeZip(join(cbdir, 'site.zip'), {
      'site-1.0/index.html': '<h1>home</h1>',
      'site-1.0/app.js': 'console.log(1)',
      'site-1.0/docs/guide.md': '# guide',
      'site-1.0/data.jgz': 'x',
      'outside.txt': 'not below the prefix',
    });
    const hash = createHash('sha256').update(zip).digest('hex');
    await writeZip(join(cbdir, 'spa.zip'), { 'index.html': '<main>spa</main>', 'main.js': 'spa()' });
    const config = webConfig({
      ws: { type: 'websocket' },
      config: { type: 'json', value: VALUE },
      pretty: {
        type: 'json',
        value: VALUE,
        options: { prettify: true, allow_cross_origin: false, discourage_caching: true },
      },
      site: {
        type: 'archive',
        archive: 'site.zip',
        origin: 'https://example.com/site.zip',
        object_prefix: 'site-1.0',
        default_object: 'index.html',
        cache: true,
        mime_types: { '.jgz': 'text/javascript' },
        hashes: [hash],
      },
      files: { type: 'static', directory: '.', options: { cache_timeout: null } },
      spa: {
        type: 'archive',
        archive: 'spa.zip',
        default_object: 'index.html',
        options: { default_file: 'index.html' },
      },
      app: {
        type: 'path',
        paths: {
          '/': { type: 'json', value: { root: true } },
          info: { type: 'json', value: { nested: 1 } },
          ws: { type: 'websocket' },
          deeper: {
            type: 'path',
            paths: { info: { type: 'json', value: { nested: 2 } }, site: { type: 'archive', archive: 'spa.zip' } },
          },
        },
      },
    });
    node = await InterchangeNode.start({ config, cbdir });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node?.stop();
  });

  it('json: serves the value compact, readable by any origin but without credentials by default', async () => {
    const res = await httpRequest(port, '/config', { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe(JSON.stringify(VALUE));
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['cache-control']).toBeUndefined();
  });

  it('json: prettify, allow_cross_origin false and discourage_caching', async () => {
    const res = await httpRequest(port, '/pretty', { headers: { origin: 'https://app.example' } });
    expect(res.body).toBe(JSON.stringify(VALUE, null, 3));
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store, no-cache, must-revalidate, max-age=0');
  });

  it('json: other methods get 405, paths below it 404', async () => {
    expect((await httpRequest(port, '/config', { method: 'POST' })).status).toBe(405);
    const below = await httpRequest(port, '/config/x');
    expect(below.status).toBe(404);
    expect(JSON.parse(below.body)).toMatchObject({ error: 'not found' });
  });

  it('archive: serves objects below object_prefix, default_object for a directory URL, mime_types', async () => {
    const index = await httpRequest(port, '/site/');
    expect(index.status).toBe(200);
    expect(index.body).toBe('<h1>home</h1>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const js = await httpRequest(port, '/site/app.js');
    expect(js.body).toBe('console.log(1)');
    expect(js.headers['content-length']).toBe(String('console.log(1)'.length));
    // Twice: the second answer comes from the cache and is the same.
    expect((await httpRequest(port, '/site/app.js')).body).toBe('console.log(1)');
    expect((await httpRequest(port, '/site/docs/guide.md')).body).toBe('# guide');
    expect((await httpRequest(port, '/site/data.jgz')).headers['content-type']).toBe('text/javascript');
    const head = await httpRequest(port, '/site/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('archive: the mount path without its slash redirects, so relative links work', async () => {
    const res = await httpRequest(port, '/site?v=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/site/?v=1');
  });

  it('archive: a missing object is 404; nothing outside object_prefix or above the archive is reachable', async () => {
    const missing = await httpRequest(port, '/site/nope.js');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: 'not found' });
    expect((await httpRequest(port, '/site/../outside.txt')).status).toBe(403);
    expect((await httpRequest(port, '/site/%2e%2e/outside.txt')).status).toBe(403);
    expect((await httpRequest(port, '/site/..%2f..%2fsite.zip')).status).toBe(403);
    expect((await httpRequest(port, '/site/app.js', { method: 'DELETE' })).status).toBe(405);
  });

  it('archive: options.default_file answers any path that matches no object (single-page apps)', async () => {
    const res = await httpRequest(port, '/spa/some/client/route');
    expect(res.status).toBe(200);
    expect(res.body).toBe('<main>spa</main>');
    expect((await httpRequest(port, '/spa/main.js')).body).toBe('spa()');
  });

  it('static: cache_timeout null sends no caching headers, as Crossbar', async () => {
    const res = await httpRequest(port, '/files/site.zip', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBeUndefined();
    expect(res.headers.expires).toBeUndefined();
  });

  it('path: nested services at any depth, the nested "/" taking the rest', async () => {
    expect(JSON.parse((await httpRequest(port, '/app/info')).body)).toEqual({ nested: 1 });
    expect(JSON.parse((await httpRequest(port, '/app/deeper/info')).body)).toEqual({ nested: 2 });
    expect(JSON.parse((await httpRequest(port, '/app/')).body)).toEqual({ root: true });
    expect((await httpRequest(port, '/app/deeper/site/main.js')).body).toBe('spa()');
    expect((await httpRequest(port, '/app/deeper/none')).status).toBe(404);
  });

  it('path: a WebSocket inside a nested path takes WAMP sessions and is listed with its full path', async () => {
    const url = `ws://127.0.0.1:${port}/app/ws`;
    expect(node.addresses[0]!.websocketUrls).toContain(url);
    const session = await connect({ url, realm: 'realm1' });
    await session.register('com.example.add', ({ args: [a, b] }) => Number(a) + Number(b));
    expect((await session.call('com.example.add', [2, 3]))?.args).toEqual([5]);
    await session.leave();
  });
});

describe('archive: missing archives', () => {
  let origin: Server;
  let originUrl: string;
  let zipBytes: Buffer;

  beforeAll(async () => {
    const dir = await tempDir();
    zipBytes = await writeZip(join(dir, 'a.zip'), { 'hello.txt': 'hello from the origin' });
    origin = createServer((req, res) => {
      if (req.url === '/a.zip') res.end(zipBytes);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    const address = origin.address();
    originUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  afterAll(() => {
    origin?.close();
  });

  it('check refuses a missing archive without download', async () => {
    const cbdir = await tempDir();
    const result = await validateConfig(webConfig({ a: { type: 'archive', archive: 'none.zip' } }), { cbdir });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toContainEqual(
        expect.objectContaining({
          path: 'workers[0].transports[0].paths.a.archive',
          message: `archive not found: ${join(cbdir, 'none.zip')}`,
        }),
      );
  });

  it('with download and origin, the archive is fetched at start and served', async () => {
    const cbdir = await tempDir();
    const config = webConfig({
      a: { type: 'archive', archive: 'a.zip', origin: `${originUrl}/a.zip`, download: true },
    });
    const node = await InterchangeNode.start({ config, cbdir });
    try {
      const res = await httpRequest(node.addresses[0]!.port, '/a/hello.txt');
      expect(res.body).toBe('hello from the origin');
    } finally {
      await node.stop();
    }
  });

  it('an origin that cannot deliver fails the start with a message naming it', async () => {
    const cbdir = await tempDir();
    const config = webConfig({
      a: { type: 'archive', archive: 'a.zip', origin: `${originUrl}/gone.zip`, download: true },
    });
    await expect(InterchangeNode.start({ config, cbdir })).rejects.toThrow(
      `archive ${join(cbdir, 'a.zip')} could not be downloaded from ${originUrl}/gone.zip: HTTP status 404 (without network access, put the archive there yourself)`,
    );
  });

  it('an archive matching none of the hashes fails the start', async () => {
    const cbdir = await tempDir();
    await writeFile(join(cbdir, 'a.zip'), zipBytes);
    const config = webConfig({ a: { type: 'archive', archive: 'a.zip', hashes: ['0'.repeat(64)] } });
    await expect(InterchangeNode.start({ config, cbdir })).rejects.toThrow('matches none of the configured hashes');
  });

  it('a file that is not a ZIP fails the start', async () => {
    const cbdir = await tempDir();
    await writeFile(join(cbdir, 'a.zip'), 'not a zip');
    const config = webConfig({ a: { type: 'archive', archive: 'a.zip' } });
    await expect(InterchangeNode.start({ config, cbdir })).rejects.toThrow('is not a readable ZIP file');
  });
});

describe("path types that need Crossbar's own Python process", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'cgi',
      { type: 'cgi', directory: 'cgi', processor: '/usr/bin/python3' },
      'run them under a CGI-capable HTTP server as a "guest" worker',
    ],
    ['websocket-testee', { type: 'websocket-testee' }, 'mount it with a "websocket-reverseproxy" path'],
  ];
  it.each(cases)(
    '%s is refused by name with the alternative, also inside a nested path',
    async (type, path, alternative) => {
      for (const paths of [{ x: path }, { n: { type: 'path', paths: { x: path } } }]) {
        const result = await validateConfig(webConfig(paths));
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        const issue = result.issues.find((i) => i.path.endsWith('.x.type'));
        expect(issue?.kind).toBe('unsupported');
        expect(issue?.message).toContain(`unsupported path type "${type}": `);
        expect(issue?.message).toContain(alternative);
      }
    },
  );

  it('check sees services inside nested paths: their files and their realms', async () => {
    const cbdir = await tempDir();
    const config = webConfig({
      n: {
        type: 'path',
        paths: {
          files: { type: 'static', directory: 'nope' },
          up: {
            type: 'upload',
            realm: 'nope',
            role: 'anonymous',
            directory: 'up',
            form_fields: {
              file_name: 'a',
              mime_type: 'b',
              total_size: 'c',
              chunk_number: 'd',
              chunk_size: 'e',
              total_chunks: 'f',
              content: 'g',
            },
          },
        },
      },
    });
    const result = await validateConfig(config, { cbdir });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        'workers[0].transports[0].paths.n.paths.up.realm: no realm "nope" in workers[0].realms (defined: "realm1")',
        `workers[0].transports[0].paths.n.paths.files.directory: directory not found: ${join(cbdir, 'nope')} (the node starts and answers 404 on this path until it exists)`,
      ]);
  });

  it('static files of a Python package are refused with the alternative', async () => {
    const result = await validateConfig(webConfig({ s: { type: 'static', package: 'mypkg', resource: 'web' } }));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        'workers[0].transports[0].paths.s.package: unsupported key: static files of a Python package ("package" + "resource"); point "directory" at the folder of the files instead',
        'workers[0].transports[0].paths.s.resource: unsupported key: static files of a Python package ("package" + "resource"); point "directory" at the folder of the files instead',
        'workers[0].transports[0].paths.s.directory: required: expected a non-empty string',
      ]);
  });

  it('the new services reject keys Crossbar does not have', async () => {
    const result = await validateConfig(webConfig({ j: { type: 'json', value: 1, options: { sort_keys: true } } }));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]).toMatchObject({
        path: 'workers[0].transports[0].paths.j.options.sort_keys',
        kind: 'unsupported',
      });
  });
});

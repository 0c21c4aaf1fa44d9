import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { httpRequest, LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

describe('a static directory that does not exist', () => {
  it('starts the node, warns once naming the path, answers 404 until the directory exists', async () => {
    const cbdir = join(await tempDir(), 'node');
    await mkdir(cbdir);
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: { '/': { type: 'static', directory: '../site' }, ws: { type: 'websocket' } },
      },
    ]);
    const { logger, entries } = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir, logger });
    try {
      const site = join(cbdir, '..', 'site');
      const warnings = entries.filter((e) => e.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toContain('workers[0].transports[0].paths["/"].directory');
      expect(warnings[0]?.msg).toContain(`directory not found: ${site}`);
      const port = node.addresses[0]!.port;
      const missing = await httpRequest(port, '/index.html');
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(missing.body)).toMatchObject({ error: 'not found', path: '/index.html' });
      // Created while the node runs: served from then on, as Crossbar does.
      await mkdir(site, { recursive: true });
      await writeFile(join(site, 'index.html'), '<h1>late</h1>');
      const found = await httpRequest(port, '/index.html');
      expect(found).toMatchObject({ status: 200, body: '<h1>late</h1>' });
      expect(entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    } finally {
      await node.stop();
    }
  });
});

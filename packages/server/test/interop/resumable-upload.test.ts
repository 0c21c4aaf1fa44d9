/**
 * The `upload` path service with the client Crossbar's upload example uses: resumable.js (npm
 * `resumablejs`) in Chromium (Playwright), on a page served by the same node. The browser splits
 * the file, tests each chunk with a GET, posts the chunks three at a time; a WAMP session named
 * in the `session` field receives the progress events.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { connect } from '@interchange/client';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RESUMABLE_FORM_FIELDS } from '../support/resumable-form-fields.js';

const TOPIC = 'com.example.upload.on_progress';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>waiting</title></head>
<body>
<input type="file" id="file">
<script src="resumable.js"></script>
<script>
  const session = new URLSearchParams(location.search).get('session');
  const r = new Resumable({
    target: 'upload',
    chunkSize: 4096,
    simultaneousUploads: 3,
    testChunks: true,
    query: { on_progress: '${TOPIC}', session, finish_extra: '{"from":"browser"}' },
  });
  r.assignBrowse(document.getElementById('file'));
  r.on('fileAdded', () => r.upload());
  r.on('fileSuccess', (file, message) => { document.title = 'done ' + message; });
  r.on('fileError', (file, message) => { document.title = 'error ' + message; });
</script>
</body></html>
`;

describe('upload with resumable.js in Chromium', () => {
  it('uploads a file in chunks; the joined file and the progress events arrive', async () => {
    const root = await tempDir();
    const cbdir = join(root, '.crossbar');
    await mkdir(join(root, 'web'), { recursive: true });
    await mkdir(cbdir);
    await writeFile(join(root, 'web', 'index.html'), PAGE);
    await copyFile(createRequire(import.meta.url).resolve('resumablejs'), join(root, 'web', 'resumable.js'));
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          '/': { type: 'static', directory: '../web' },
          ws: { type: 'websocket' },
          upload: {
            type: 'upload',
            realm: 'realm1',
            role: 'anonymous',
            directory: '../uploaded',
            temp_directory: '../temp',
            form_fields: RESUMABLE_FORM_FIELDS,
            options: { max_file_size: 1_000_000, file_types: ['.bin'] },
          },
        },
      },
    ]);
    const node = await InterchangeNode.start({ config, cbdir });
    const session = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
    const statuses: string[] = [];
    let finished: (payload: Record<string, unknown>) => void = () => undefined;
    const done = new Promise<Record<string, unknown>>((resolve) => {
      finished = resolve;
    });
    await session.subscribe(TOPIC, (event) => {
      const payload = event.args?.[0] as Record<string, unknown>;
      statuses.push(String(payload.status));
      if (payload.status === 'finished') finished(payload);
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const data = randomBytes(20_000);
      const page = await browser.newPage();
      await page.goto(`${node.addresses[0]!.url}?session=${session.id}`);
      await page.setInputFiles('#file', { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: data });
      await page.waitForFunction(() => document.title !== 'waiting');
      expect(await page.title()).toMatch(/^done /);
      expect((await readFile(join(root, 'uploaded', 'photo.bin'))).equals(data)).toBe(true);
      const last = await done;
      expect(last).toMatchObject({
        name: 'photo.bin',
        total: 20_000,
        remaining: 0,
        progress: 1,
        finish_extra: { from: 'browser' },
      });
      // 20000 / 4096: 4 chunks, the last one taking the remainder.
      expect(statuses).toEqual(['started', 'progress', 'progress', 'progress', 'progress', 'finished']);
    } finally {
      await browser.close();
      await session.leave();
      await node.stop({ timeoutMs: 1000 });
    }
  });
});

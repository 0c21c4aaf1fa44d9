/**
 * Static paths (issue 12): dotfiles such as `/.env` were served, and a symlinked index file
 * (`sub/index.html -> /elsewhere`) escaped the served directory although a direct symlink did not.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { httpRequest, LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

describe('static files', () => {
  let node: InterchangeNode;
  let port: number;

  beforeAll(async () => {
    const cbdir = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.html'), 'outside the served directory');
    const web = join(cbdir, 'web');
    await mkdir(join(web, 'sub'), { recursive: true });
    await mkdir(join(web, '.git'));
    await mkdir(join(web, '.well-known'));
    await writeFile(join(web, 'ok.txt'), 'ok');
    await writeFile(join(web, '.env'), 'SECRET=1');
    await writeFile(join(web, '.git', 'config'), '[core]');
    await writeFile(join(web, '.well-known', 'security.txt'), 'Contact: x');
    await symlink(join(outside, 'secret.html'), join(web, 'sub', 'index.html'));
    node = await InterchangeNode.start({
      config: workerConfig([
        {
          type: 'web',
          endpoint: LOCAL_ENDPOINT,
          paths: { '/': { type: 'static', directory: 'web', options: { enable_directory_listing: true } } },
        },
      ]),
      cbdir,
    });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it.each(['/.env', '/.git/config', '/%2egit/config'])('does not serve the dotfile %s', async (path) => {
    const response = await httpRequest(port, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('SECRET');
    expect(response.body).not.toContain('[core]');
  });

  it('serves ordinary files and .well-known', async () => {
    expect((await httpRequest(port, '/ok.txt')).body).toBe('ok');
    expect((await httpRequest(port, '/.well-known/security.txt')).body).toBe('Contact: x');
  });

  it('leaves dotfiles out of directory listings', async () => {
    const listing = await httpRequest(port, '/');
    expect(listing.body).toContain('ok.txt');
    expect(listing.body).not.toContain('.env');
  });

  it('refuses an index file that is a symlink out of the directory', async () => {
    const response = await httpRequest(port, '/sub/');
    expect(response.status).toBe(403);
    expect(response.body).not.toContain('outside the served directory');
  });
});

/**
 * Logs name requests by their path and backends by scheme, host and path: the query of a signed
 * HTTP-bridge request (key, nonce, signature) and the userinfo or token of a URL stay out of them.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { HttpListener } from '../../src/web/http-listener.js';
import { redactUrls, safeRequestPath, safeUrl, truncatedBody } from '../../src/web/safe-url.js';
import { createWebRoutes } from '../../src/web/web-routes.js';
import { httpRequest, LOCAL_ENDPOINT, rawUpgrade, tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

const SIGNED = '/publish?key=foo&timestamp=2011-10-14T16%3A59%3A51.123Z&seq=1&nonce=22&signature=Zm9vYmFy';

describe('URLs in logs', () => {
  it.each([
    ['https://user:pass@host:8443/a/b?token=x#frag', 'https://host:8443/a/b'],
    ['http://host/hook', 'http://host/hook'],
    ['http://host', 'http://host/'],
    ['not a url?token=x', 'not a url'],
    ['ws://u:p@[::1/x?y', 'ws://[::1/x'],
  ])('safeUrl(%j) is %j', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });

  it.each([
    [SIGNED, '/publish'],
    ['/a/b#x', '/a/b'],
    ['http://u:p@proxy.example/x?y=1', 'http://proxy.example/x'],
    ['*', '*'],
    [undefined, ''],
  ])('safeRequestPath(%j) is %j', (target, expected) => {
    expect(safeRequestPath(target)).toBe(expected);
  });

  it('redacts every URL inside a text, and truncates bodies', () => {
    expect(redactUrls('cannot reach "http://u:p@a/x?k=1" nor https://b/y?t=2.')).toBe(
      'cannot reach "http://a/x" nor https://b/y',
    );
    expect(truncatedBody('short')).toBe('short');
    expect(truncatedBody('x'.repeat(2000))).toBe(`${'x'.repeat(512)}… (2000 characters)`);
  });

  it('access log: the path of a signed request, without its query', async () => {
    const log = recordingLogger();
    const routes = createWebRoutes({
      paths: { '/': { type: 'static', directory: '.' } },
      cbdir: await tempDir(),
      createWebSocketService: () => {
        throw new Error('unused');
      },
      accessLog: true,
      logger: log.logger,
    });
    const listener = await HttpListener.listen({ ...LOCAL_ENDPOINT }, routes, silentLogger);
    try {
      await httpRequest(listener.address.port, SIGNED);
      const entry = await log.waitFor((e) => e.msg === 'http request');
      expect(entry.obj).toMatchObject({ method: 'GET', url: '/publish', status: 404 });
      expect(JSON.stringify(log.entries)).not.toMatch(/signature|nonce|Zm9vYmFy/);
    } finally {
      await listener.close();
    }
  });

  it('a failing path handler is logged with the path only', async () => {
    const log = recordingLogger();
    const routes = createWebRoutes({
      paths: { publish: { type: 'redirect', url: 'http://example.com/' } },
      cbdir: await tempDir(),
      createWebSocketService: () => {
        throw new Error('unused');
      },
      createPathHandler: () => async () => {
        throw new Error('handler broke');
      },
      logger: log.logger,
    });
    const listener = await HttpListener.listen({ ...LOCAL_ENDPOINT }, routes, silentLogger);
    try {
      expect((await httpRequest(listener.address.port, SIGNED)).status).toBe(500);
      const entry = await log.waitFor((e) => e.msg === 'path handler failed');
      expect(entry.obj.url).toBe('/publish');
      expect(JSON.stringify(entry.obj)).not.toMatch(/signature|Zm9vYmFy/);
    } finally {
      await listener.close();
    }
  });

  it('failing request and upgrade handlers are logged with the path only', async () => {
    const log = recordingLogger();
    const broken = {
      request() {
        throw new Error('request handler broke');
      },
      upgrade() {
        throw new Error('upgrade handler broke');
      },
    };
    const listener = await HttpListener.listen({ ...LOCAL_ENDPOINT }, broken, log.logger);
    try {
      expect((await httpRequest(listener.address.port, SIGNED)).status).toBe(500);
      await rawUpgrade(listener.address.port, '/ws?ticket=s3cret').catch(() => undefined);
      const request = await log.waitFor((e) => e.msg === 'request handler failed');
      const upgrade = await log.waitFor((e) => e.msg === 'upgrade handler failed');
      expect(request.obj.url).toBe('/publish');
      expect(upgrade.obj.url).toBe('/ws');
      expect(JSON.stringify(log.entries)).not.toMatch(/signature|Zm9vYmFy|s3cret/);
    } finally {
      await listener.close();
    }
  });
});

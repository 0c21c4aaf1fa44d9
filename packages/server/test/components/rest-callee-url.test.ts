/**
 * The REST callee's `url` argument stays under `baseurl`: relative URLs resolve as before, and
 * anything that would make the node request another host or path (server-side request forgery)
 * is refused before any request is made. Errors and logs carry no credentials or query.
 */
import type { Invocation, Session } from '@interchange/client';
import { ApplicationError, InvalidArgumentError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { performRestCall, REST_CALLEE_ERROR, resolveCallUrl, restCallee } from '../../src/components/rest-callee.js';
import { recordingLogger } from '../support/recording.js';

const BASE = 'http://api.example.com/api/';

/** A fetch that records the URLs it is asked for and answers 200. */
function recordingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fake = (async (input: string | URL | Request) => {
    urls.push(String(input instanceof Request ? input.url : input));
    return new Response('ok', { status: 200 });
  }) as typeof fetch;
  return { fetch: fake, urls };
}

describe('REST callee url', () => {
  it.each([
    [undefined, 'http://api.example.com/api/'],
    ['', 'http://api.example.com/api/'],
    ['users/1', 'http://api.example.com/api/users/1'],
    ['./users/1', 'http://api.example.com/api/users/1'],
    ['users/../orders', 'http://api.example.com/api/orders'],
    ['?q=1', 'http://api.example.com/api/?q=1'],
    ['users/a%20b', 'http://api.example.com/api/users/a%20b'],
  ])('resolves %j under the base URL', async (url, expected) => {
    const { fetch, urls } = recordingFetch();
    const result = await performRestCall(BASE, url === undefined ? {} : { url }, fetch);
    expect(result.code).toBe(200);
    expect(urls).toEqual([expected]);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://api.example.com/api/users',
    'HTTP://evil.example/',
    '//evil.example/x',
    '\\\\evil.example/x',
    '/\\evil.example/x',
    ' http://evil.example/',
    '\thttp://evil.example/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    '/admin',
    '../secret',
    '%2e%2e/secret',
    '..%2Fsecret',
    'users/..%2F..%2Fsecret',
  ])('refuses %j without making a request', async (url) => {
    const { fetch, urls } = recordingFetch();
    const failure = await performRestCall(BASE, { url }, fetch).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InvalidArgumentError);
    expect((failure as Error).message).toMatch(/must be a relative URL under the base URL/);
    expect(urls).toEqual([]);
  });

  it('takes the directory of a base URL without a trailing slash, as URL resolution does', () => {
    expect(resolveCallUrl('http://h/api/v1', 'v2/x').href).toBe('http://h/api/v2/x');
    expect(() => resolveCallUrl('http://h/api/v1', '/other')).toThrow(InvalidArgumentError);
    expect(resolveCallUrl('http://h:8080', 'x').href).toBe('http://h:8080/x');
  });

  it('answers a refused url with the REST callee error, and logs no credentials or query', async () => {
    const log = recordingLogger();
    const { fetch, urls } = recordingFetch();
    let handler: ((invocation: Invocation) => Promise<unknown>) | undefined;
    const session = {
      register: async (_procedure: string, fn: typeof handler) => {
        handler = fn;
      },
    } as unknown as Session;
    await restCallee(log.logger, fetch)(session, {
      procedure: 'webapp.api',
      baseurl: 'http://svc:s3cret@api.example.com/api/?token=base-token',
    });
    const invocation = {
      args: [],
      kwargs: { url: 'http://169.254.169.254/x?key=caller-key' },
    } as unknown as Invocation;
    const failure = await handler?.(invocation).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationError);
    expect((failure as ApplicationError).uri).toBe(REST_CALLEE_ERROR);
    expect((failure as ApplicationError).args[0]).toBe(
      'url "http://169.254.169.254/x" must be a relative URL under the base URL http://api.example.com/api/',
    );
    expect(urls).toEqual([]);
    const logged = JSON.stringify(log.entries);
    expect(logged).toContain('REST callee registered');
    expect(logged).toContain('REST callee request failed');
    for (const secret of ['s3cret', 'base-token', 'caller-key']) expect(logged).not.toContain(secret);
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Crossbar's ${VAR} placeholders, written as users write them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/run-cli.js';
import { tempDir } from '../helpers.js';

async function check(cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const io: Partial<CliIo> = {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await runCli(['check', '--cbdir', '.crossbar'], io);
  return { stdout, stderr, code };
}

/** A Crossbar node directory `.crossbar` holding `config`. */
async function crossbarDir(config: unknown): Promise<string> {
  const cwd = await tempDir();
  await mkdir(join(cwd, '.crossbar'));
  await writeFile(join(cwd, '.crossbar', 'config.json'), JSON.stringify(config, null, 2));
  return cwd;
}

const router = (transports: unknown[], extra: Record<string, unknown> = {}) => ({
  version: 2,
  workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports, ...extra }],
});

describe('interchange check', () => {
  const saved = process.env.IC_TEST_UNSET_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.IC_TEST_UNSET_SECRET;
    else process.env.IC_TEST_UNSET_SECRET = saved;
  });

  it('reports an unset environment variable with the key that reads it', async () => {
    delete process.env.IC_TEST_UNSET_SECRET;
    const cwd = await crossbarDir(
      router([
        {
          type: 'websocket',
          endpoint: { type: 'tcp', port: 8080 },
          auth: {
            ticket: {
              type: 'static',
              principals: { joe: { ticket: '${IC_TEST_UNSET_SECRET}', role: 'anonymous' } },
            },
          },
        },
      ]),
    );
    const result = await check(cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `invalid node config ${join(cwd, '.crossbar', 'config.json')}:\n` +
        '  workers[0].transports[0].auth.ticket.principals.joe.ticket: environment variable IC_TEST_UNSET_SECRET ' +
        'is not set (the value "${IC_TEST_UNSET_SECRET}" is read from it)\n',
    );
    process.env.IC_TEST_UNSET_SECRET = 'set-now';
    expect(await check(cwd)).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });
  });

  it('prints a missing static directory as a warning and still says ok', async () => {
    const cwd = await crossbarDir(
      router([
        { type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { '/': { type: 'static', directory: '../web' } } },
      ]),
    );
    const result = await check(cwd);
    expect(result).toEqual({
      stdout: 'ok (1 warning)\n',
      stderr: `warning: workers[0].transports[0].paths["/"].directory: directory not found: ${join(cwd, 'web')} (the node starts and answers 404 on this path until it exists)\n`,
      code: 0,
    });
  });

  it('prints key, reference and file problems of one config in one run, warnings among them', async () => {
    const cwd = await crossbarDir(
      router(
        [
          {
            type: 'web',
            endpoint: { type: 'tcp', port: 8080, user_timeout: 1000 },
            paths: { '/': { type: 'static', directory: '../web' }, ws: { type: 'websocket' } },
          },
        ],
        { components: [{ type: 'class', classname: 'backend.js', realm: 'realm2' }] },
      ),
    );
    const result = await check(cwd);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('  '));
    // Each line: the key path (after "warning: " for a warning), then the message.
    expect(lines.map((line) => /^ {2}((?:warning: )?[^:]+):/.exec(line)?.[1])).toEqual([
      'workers[0].transports[0].endpoint.user_timeout',
      'workers[0].components[0].realm',
      'warning: workers[0].transports[0].paths["/"].directory',
      'workers[0].components[0].classname',
    ]);
    expect(lines[0]).toContain('unsupported key');
  });
});

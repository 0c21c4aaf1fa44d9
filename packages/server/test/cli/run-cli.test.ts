import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInit } from '../../src/cli/init-command.js';
import { type CliIo, runCli } from '../../src/cli/run-cli.js';
import type { Logger } from '../../src/logger.js';
import { RawWampClient, tempDir, workerConfig } from '../helpers.js';

interface Captured {
  stdout: string;
  stderr: string;
  code: number;
}

async function cli(argv: string[], io: Partial<CliIo> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    waitForStop: () => Promise.reject(new Error('start was not expected here')),
    ...io,
  });
  return { stdout, stderr, code };
}

const PACKAGE_VERSION = (
  JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('interchange CLI', () => {
  it('prints the version from package.json', async () => {
    expect(await cli(['version'])).toEqual({ stdout: `${PACKAGE_VERSION}\n`, stderr: '', code: 0 });
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [[], 'no command given'],
    [['check', '--colour'], "Unknown option '--colour'"],
    [['check', 'extra'], 'extra'],
    [['init', '--config', 'x.json'], 'init takes --cbdir only'],
  ])('exits 2 with usage for %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: interchange <command>');
  });

  it('check prints ok for a valid config', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, '.interchange'));
    await writeFile(
      join(cwd, '.interchange', 'config.yaml'),
      'version: 2\nworkers:\n  - type: router\n    realms: [{ name: realm1 }]\n',
    );
    expect(await cli(['check'], { cwd })).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });
  });

  it('check prints every problem with its key path and exits 1', async () => {
    const cwd = await tempDir();
    const config = workerConfig([
      { type: 'websocket', endpoint: { type: 'tcp', port: 'abc' } },
      {
        type: 'web',
        endpoint: { type: 'tcp', port: 8000 },
        paths: { app: { type: 'cgi', directory: 'cgi', processor: '/usr/bin/python3' } },
      },
    ]);
    await writeFile(join(cwd, 'node.json'), JSON.stringify(config));
    const result = await cli(['check', '--config', 'node.json'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `invalid node config ${join(cwd, 'node.json')}:\n` +
        '  workers[0].transports[0].endpoint.port: expected an integer 0..65535, got "abc"\n' +
        '  workers[0].transports[1].paths.app.type: unsupported path type "cgi": CGI scripts are run by Twisted; ' +
        'run them under a CGI-capable HTTP server as a "guest" worker and mount it with a "reverseproxy" path\n',
    );
  });

  it('check says where it looked when there is no config', async () => {
    const cwd = await tempDir();
    const result = await cli(['check', '--cbdir', 'nowhere'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(cwd, 'nowhere')}`);
    expect(result.stderr).toContain('no config file found');
  });

  it('init writes a config that checks ok and a web folder with the client bundle', async () => {
    const cwd = await tempDir();
    const result = await cli(['init'], { cwd });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(join(cwd, '.interchange', 'config.json'));
    const config = JSON.parse(await readFile(join(cwd, '.interchange', 'config.json'), 'utf8'));
    expect(config.workers[0].realms[0].name).toBe('realm1');
    expect(config.workers[0].transports[0]).toMatchObject({
      type: 'web',
      endpoint: { type: 'tcp', port: 8080 },
      paths: { '/': { type: 'static', directory: '../web' }, ws: { type: 'websocket' } },
    });
    const page = await readFile(join(cwd, 'web', 'index.html'), 'utf8');
    expect(page).toContain('<script src="interchange-core.min.js"></script>');
    expect(page).toContain("location.host + '/ws'");
    expect((await stat(join(cwd, 'web', 'interchange-core.min.js'))).size).toBeGreaterThan(1000);
    expect(await cli(['check'], { cwd })).toMatchObject({ stdout: 'ok\n', code: 0 });
  });

  it('init refuses to overwrite, and writes nothing then', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'web'));
    await writeFile(join(cwd, 'web', 'index.html'), 'mine');
    const bundle = join(cwd, 'bundle.js');
    await writeFile(bundle, '/* bundle */');
    const result = await runInit({ cwd, bundle });
    expect(result).toEqual({
      ok: false,
      error: `refusing to overwrite existing files:\n  ${join(cwd, 'web', 'index.html')}`,
    });
    await expect(stat(join(cwd, '.interchange', 'config.json'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(cwd, 'web', 'index.html'), 'utf8')).toBe('mine');
    expect((await cli(['init'], { cwd })).code).toBe(1);
  });

  it('init --cbdir puts web/ beside the given directory', async () => {
    const cwd = await tempDir();
    const bundle = join(cwd, 'bundle.js');
    await writeFile(bundle, '/* bundle */');
    const result = await runInit({ cwd, cbdir: 'node/.interchange', bundle });
    expect(result.ok && result.plan.indexFile).toBe(join(cwd, 'node', 'web', 'index.html'));
    expect(await cli(['check', '--cbdir', 'node/.interchange'], { cwd })).toMatchObject({ stdout: 'ok\n', code: 0 });
  });

  it('start runs the node until told to stop, logging where it listens', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'site'));
    const config = workerConfig([
      {
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: { '/': { type: 'static', directory: '.' }, ws: { type: 'websocket' } },
      },
    ]);
    await writeFile(join(cwd, 'site', 'config.json'), JSON.stringify(config));
    const entries: Record<string, unknown>[] = [];
    const record = (level: string) => (obj: Record<string, unknown>, msg?: string) =>
      entries.push({ level, ...obj, msg });
    const logger: Logger = { debug: () => {}, info: record('info'), warn: record('warn'), error: record('error') };
    let stop!: (signal: string) => void;
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const loggerWatching: Logger = {
      ...logger,
      info: (obj, msg) => {
        logger.info(obj, msg);
        if (msg === 'transport listening') listening((obj.websocket as string[])[0]!);
      },
    };
    const running = cli(['start', '--cbdir', 'site'], {
      cwd,
      createLogger: () => loggerWatching,
      waitForStop: () => new Promise((resolve) => (stop = resolve)),
    });
    // If start fails instead, its result (with stderr) fails the test rather than a timeout.
    const wsUrl = await Promise.race([url, running.then((r) => Promise.reject(new Error(JSON.stringify(r))))]);
    const client = new RawWampClient(wsUrl);
    await client.join();
    stop('SIGTERM');
    const goodbye = await client.next();
    expect(goodbye.slice(0, 1).concat(goodbye.slice(2))).toEqual([6, 'wamp.close.system_shutdown']);
    client.send([6, {}, 'wamp.close.goodbye_and_out']);
    expect(await running).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining(['starting node', 'transport listening', 'stopping node', 'node stopped']),
    );
  });

  it('start exits 1 when the config is invalid', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'bad.yaml'), 'version: 3\n');
    const result = await cli(['start', '--config', 'bad.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('version: expected 2 (Crossbar node config version 2), got 3');
  });
});

/**
 * The packages as a user outside this repository gets them: each workspace packed with
 * `npm pack`, the tarballs installed together into an empty project, then what the README says: `npx
 * interchange-router init`, `start`, a client of the installed `@interchange/client` that calls
 * and subscribes, `status`, `stop`. Third-party dependencies come from the npm cache, which
 * installing this repository filled (`--prefer-offline`): their tarballs are there; the registry is
 * asked only for the version lists (packuments) the cache lacks, since a lockfile install does not
 * keep those. Also: each package carries its README, LICENSE and types, its
 * types compile in a strict TypeScript project, and every source map resolves its sources.
 *
 * Needs the built packages (`npm test` builds first).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['@interchange/protocol', '@interchange/router', '@interchange/client', '@interchange/server'];
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Every `*.map` file under `dir`. */
async function mapFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.map')) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

describe('installing the packed packages into an empty project', () => {
  let packs: string;
  let project: string;

  beforeAll(async () => {
    packs = await mkdtemp(join(tmpdir(), 'interchange-packs-'));
    project = await mkdtemp(join(tmpdir(), 'interchange-project-'));
    const tarballs: string[] = [];
    for (const name of PACKAGES) {
      const { stdout } = await run('npm', ['pack', '-w', name, '--pack-destination', packs, '--json'], { cwd: ROOT });
      const [packed] = JSON.parse(stdout) as { filename: string }[];
      tarballs.push(join(packs, (packed as { filename: string }).filename));
    }
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'try-interchange', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { cwd: project });
  }, 240_000);

  afterAll(async () => {
    await rm(packs, { recursive: true, force: true });
    await rm(project, { recursive: true, force: true });
  });

  it('each package has its README, LICENSE and types', () => {
    for (const name of PACKAGES) {
      const dir = join(project, 'node_modules', name);
      expect(existsSync(join(dir, 'README.md')), `${name} README.md`).toBe(true);
      expect(existsSync(join(dir, 'LICENSE')), `${name} LICENSE`).toBe(true);
      expect(existsSync(join(dir, 'dist', 'index.d.ts')), `${name} types`).toBe(true);
    }
  });

  it('every source map of the installed packages finds its sources', async () => {
    const missing: string[] = [];
    for (const name of PACKAGES) {
      for (const file of await mapFiles(join(project, 'node_modules', name))) {
        const map = JSON.parse(await readFile(file, 'utf8')) as {
          sources: string[];
          sourcesContent?: (string | null)[];
        };
        map.sources.forEach((source, i) => {
          if (typeof map.sourcesContent?.[i] === 'string') return;
          if (!existsSync(resolve(dirname(file), source))) missing.push(`${file}: ${source}`);
        });
      }
    }
    expect(missing).toEqual([]);
  });

  it('its types compile in a strict TypeScript project', async () => {
    await writeFile(
      join(project, 'check.ts'),
      `import { connect, type Session } from '@interchange/client';
import { InterchangeNode, loadConfig } from '@interchange/server';
import { Router } from '@interchange/router';
import { createSerializer } from '@interchange/protocol';
export async function main(): Promise<number> {
  const { config, cbdir } = await loadConfig({ cbdir: '.interchange' });
  const node = await InterchangeNode.start({ config, cbdir });
  const session: Session = await connect({ url: node.addresses[0]?.websocketUrls[0] ?? '', realm: 'realm1' });
  const { args } = await session.call('com.example.add', [2, 3]);
  new Router({ realms: [{ name: 'realm1' }] });
  createSerializer('json');
  await session.leave();
  await node.stop();
  return args.length;
}
`,
    );
    const flags = [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
    ];
    // skipLibCheck: the packages' own dependencies (ws, pino) bring their types or none; what is
    // checked is that our types resolve and type the code above.
    const result = await run(process.execPath, [TSC, ...flags, '--skipLibCheck', 'check.ts'], { cwd: project }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    );
    expect(result.stdout).toBe('');
  }, 60_000);

  it('runs a node with npx interchange-router and a client of the installed package', async () => {
    const npx = (args: string[]) => run('npx', ['--offline', 'interchange-router', ...args], { cwd: project });
    expect((await npx(['init'])).stdout).toContain('created');
    // Tests use no fixed port: the starter config's 8080 becomes any free port on loopback.
    const configFile = join(project, '.interchange', 'config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as {
      workers: { transports: { endpoint: Record<string, unknown> }[] }[];
    };
    for (const transport of config.workers[0]?.transports ?? []) {
      transport.endpoint.port = 0;
      transport.endpoint.interface = '127.0.0.1';
    }
    await writeFile(configFile, JSON.stringify(config));

    const node = spawn(join(project, 'node_modules', '.bin', 'interchange-router'), ['start'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => node.once('exit', (code) => done(code)));
    try {
      const url = await new Promise<string>((done, fail) => {
        createInterface({ input: node.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; websocket?: string[] };
          if (entry.msg === 'transport listening') done(entry.websocket?.[0] as string);
        });
        void exited.then((code) => fail(new Error(`the node exited with ${code}`)));
      });
      await writeFile(
        join(project, 'client.mjs'),
        `import { connect } from '@interchange/client';
const session = await connect({ url: process.argv[2], realm: 'realm1' });
await session.register('com.example.add', ({ args }) => args[0] + args[1]);
const events = [];
await session.subscribe('com.example.tick', (event) => events.push(event.args[0]));
await session.publish('com.example.tick', ['tock'], { acknowledge: true, exclude_me: false });
const { args } = await session.call('com.example.add', [2, 3]);
while (events.length === 0) await new Promise((r) => setTimeout(r, 10));
console.log(JSON.stringify({ sum: args[0], events }));
await session.leave();
`,
      );
      const { stdout } = await run(process.execPath, ['client.mjs', url], { cwd: project });
      expect(JSON.parse(stdout)).toEqual({ sum: 5, events: ['tock'] });

      expect((await npx(['status'])).stdout).toMatch(/^running \(PID \d+, .*\)\nsessions: 0\n/);
      expect((await npx(['stop'])).stdout).toMatch(/exited/);
      expect(await exited).toBe(0);
    } finally {
      node.kill('SIGKILL');
    }
  }, 60_000);
});

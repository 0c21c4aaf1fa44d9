/**
 * `status`, `stop` (against a node started by the built executable), `convert` and `keys`.
 * dist/cli.js must be built (`npm test` builds first; locally `npx tsc -b packages/server`).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PID_FILE_NAME } from '../../src/cli/pid-file.js';
import { type CliIo, runCli } from '../../src/cli/run-cli.js';
import { publicKeyOfSeed, readNodeKey } from '../../src/node-key.js';
import { tempDir, workerConfig } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

async function cli(argv: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const io: Partial<CliIo> = {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    waitForStop: () => Promise.reject(new Error('start was not expected here')),
  };
  const code = await runCli(argv, io);
  return { stdout, stderr, code };
}

const CONFIG = workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }]);

describe('status and stop', () => {
  it('find the node through its PID file, stop it with SIGTERM, and see it gone', async () => {
    const cwd = await tempDir();
    const cbdir = join(cwd, '.interchange');
    await mkdir(cbdir);
    await writeFile(join(cbdir, 'config.json'), JSON.stringify(CONFIG));
    expect(await cli(['status'], cwd)).toEqual({
      stdout: `stopped (no node running from ${cbdir})\n`,
      stderr: '',
      code: 0,
    });

    const child = spawn(process.execPath, [CLI, 'start'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if ((JSON.parse(line) as { msg?: string }).msg === 'node started') resolve();
        });
      });
      const pidFile = JSON.parse(await readFile(join(cbdir, PID_FILE_NAME), 'utf8')) as { pid: number; argv: string[] };
      expect(pidFile.pid).toBe(child.pid);
      const status = await cli(['status'], cwd);
      expect(status).toMatchObject({ code: 0 });
      expect(status.stdout.startsWith(`running (PID ${child.pid}, node directory ${cbdir})\nsessions: 0\n`)).toBe(true);
      expect(await cli(['status', '--assert', 'running'], cwd)).toMatchObject({ code: 0 });
      expect(await cli(['status', '--assert', 'stopped'], cwd)).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('asserted stopped, but the node is running'),
      });

      // A second node from the same directory is refused.
      const second = await cli(['start'], cwd);
      expect(second).toMatchObject({
        code: 1,
        stderr: `interchange: a node is already running from ${cbdir} (PID ${child.pid})\n`,
      });

      const stopped = await cli(['stop', '--timeout', '10'], cwd);
      expect(stopped).toMatchObject({ code: 0, stdout: expect.stringContaining(`PID ${child.pid} exited`) });
      expect(await exited).toBe(0);
      await expect(stat(join(cbdir, PID_FILE_NAME))).rejects.toThrow(/ENOENT/);
      expect((await cli(['status'], cwd)).stdout).toMatch(/^stopped/);
      expect(await cli(['stop'], cwd)).toMatchObject({
        code: 1,
        stderr: `interchange stop: no node is running from ${cbdir}\n`,
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('treat a PID file of a dead process as stale', async () => {
    const cwd = await tempDir();
    const cbdir = join(cwd, 'node');
    await mkdir(cbdir);
    await writeFile(join(cbdir, PID_FILE_NAME), JSON.stringify({ pid: 2 ** 22 + 12345, argv: [], options: {} }));
    expect((await cli(['status', '--cbdir', 'node'], cwd)).stdout).toMatch(/^stopped/);
    await expect(stat(join(cbdir, PID_FILE_NAME))).rejects.toThrow(/ENOENT/);
  });

  it('refuse a bad --assert and options a command does not take', async () => {
    const cwd = await tempDir();
    expect(await cli(['status', '--assert', 'sleeping'], cwd)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--assert takes running or stopped'),
    });
    expect(await cli(['convert', '--private'], cwd)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('convert does not take --private'),
    });
  });
});

describe('convert', () => {
  it('writes config.yaml from config.json and back, the same config both ways', async () => {
    const cwd = await tempDir();
    const cbdir = join(cwd, '.interchange');
    await mkdir(cbdir);
    await writeFile(join(cbdir, 'config.json'), JSON.stringify(CONFIG));
    expect(await cli(['convert'], cwd)).toEqual({
      stdout: `converted ${join(cbdir, 'config.json')} to ${join(cbdir, 'config.yaml')}\n`,
      stderr: '',
      code: 0,
    });
    expect(parseYaml(await readFile(join(cbdir, 'config.yaml'), 'utf8'))).toEqual(CONFIG);
    // It never overwrites.
    expect(await cli(['convert'], cwd)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('config.yaml already exists'),
    });

    const other = await tempDir();
    await writeFile(join(other, 'node.yaml'), await readFile(join(cbdir, 'config.yaml'), 'utf8'));
    expect((await cli(['convert', '--config', 'node.yaml'], other)).code).toBe(0);
    expect(JSON.parse(await readFile(join(other, 'node.json'), 'utf8'))).toEqual(CONFIG);
  });

  it('converts a config Interchange cannot run yet, and refuses one it cannot parse', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'c.json'), JSON.stringify({ version: 2, workers: [{ type: 'proxy' }] }));
    expect((await cli(['convert', '--config', 'c.json'], cwd)).code).toBe(0);
    await writeFile(join(cwd, 'd.json'), '{"version": 2,');
    expect(await cli(['convert', '--config', 'd.json'], cwd)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('invalid JSON'),
    });
  });
});

describe('keys', () => {
  it('creates an Ed25519 key pair in Crossbar key files on first use, then shows the same key', async () => {
    const cwd = await tempDir();
    const cbdir = join(cwd, '.interchange');
    await mkdir(cbdir);
    const first = await cli(['keys'], cwd);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created ${join(cbdir, 'key.pub')} and ${join(cbdir, 'key.priv')}`);
    const publicKey = /public-key-ed25519: ([0-9a-f]{64})/.exec(first.stdout)?.[1];
    expect(publicKey).toBeDefined();
    expect((await stat(join(cbdir, 'key.priv'))).mode & 0o777).toBe(0o600);
    const privateFile = await readFile(join(cbdir, 'key.priv'), 'utf8');
    expect(privateFile).toMatch(
      /^Interchange node private key - KEEP THIS SAFE!\n\ncreator: .+\ncreated-at: .+\nmachine-id: .+\nnode-authid: .+\npublic-key-ed25519: [0-9a-f]{64}\nprivate-key-ed25519: [0-9a-f]{64}\n$/,
    );
    const second = await cli(['keys', '--private'], cwd);
    expect(second.stdout).toBe(
      `public-key-ed25519: ${publicKey}\nprivate-key-ed25519: ${(await readNodeKey(cbdir))?.privateKey}\n`,
    );
  });

  it("reads a Crossbar node's key files, Ethereum tags included", async () => {
    const cbdir = await tempDir();
    // RFC 8032, section 7.1, test 1.
    const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
    const pub = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    expect(publicKeyOfSeed(seed)).toBe(pub);
    const tags = `creator: someone@host\ncreated-at: 2020-05-22T22:21:38.000Z\nmachine-id: abc\nnode-authid: node1\nnode-cluster-ip: 127.0.0.1\npublic-key-ed25519: ${pub}\npublic-adr-eth: 0x0\n`;
    await writeFile(join(cbdir, 'key.pub'), `Crossbar.io node public key\n\n${tags}`);
    await writeFile(
      join(cbdir, 'key.priv'),
      `Crossbar.io node private key - KEEP THIS SAFE!\n\n${tags}private-key-ed25519: ${seed}\nprivate-key-eth: 00\n`,
    );
    expect(await readNodeKey(cbdir)).toMatchObject({ publicKey: pub, privateKey: seed });
    expect((await cli(['keys', '--cbdir', cbdir], cbdir)).stdout).toBe(`public-key-ed25519: ${pub}\n`);
  });

  it('refuses a node directory that does not exist, and key files that disagree', async () => {
    const cwd = await tempDir();
    expect(await cli(['keys', '--cbdir', 'nowhere'], cwd)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('does not exist'),
    });
    await writeFile(
      join(cwd, 'key.priv'),
      `x\n\npublic-key-ed25519: ${'0'.repeat(64)}\nprivate-key-ed25519: ${'1'.repeat(64)}\n`,
    );
    expect(await cli(['keys', '--cbdir', '.'], cwd)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('does not match'),
    });
  });
});

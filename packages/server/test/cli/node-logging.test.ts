/**
 * `interchange start --loglevel/--logformat/--color`: what lands on stdout for each format and
 * level, and the sessions a running node logs (join, leave, trace of each message).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeLogger, type LogOutput, parseLogSettings } from '../../src/cli/node-logger.js';
import { runCli } from '../../src/cli/run-cli.js';
import { RawWampClient, tempDir, workerConfig } from '../helpers.js';

/** Collects what the logger writes; `isTTY` pretends to be a terminal. */
function capture(isTTY = false): LogOutput & { lines: () => string[] } {
  let text = '';
  return {
    isTTY,
    write: (chunk: string) => (text += chunk),
    lines: () => text.split('\n').filter((line) => line !== ''),
  };
}

const ESC = '\u001b[';

describe('node logger', () => {
  it.each([
    [{ loglevel: 'loud' }, '--loglevel takes none, error, warn, info, debug, trace; got loud'],
    [{ logformat: 'xml' }, '--logformat takes standard, syslogd, none, json; got xml'],
    [{ color: 'yes' }, '--color takes auto, true, false; got yes'],
  ])('refuses %j', (values, error) => {
    expect(parseLogSettings(values)).toEqual({ error });
  });

  it('writes JSON lines when stdout is not a terminal', () => {
    const out = capture(false);
    const logger = createNodeLogger({ level: 'info', format: undefined, color: 'auto' }, out);
    logger.info({ realm: 'realm1' }, 'session joined');
    logger.debug({}, 'not shown at info');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 30, realm: 'realm1', msg: 'session joined' });
  });

  it('is pretty and coloured on a terminal', () => {
    const out = capture(true);
    const previous = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      createNodeLogger({ level: 'info', format: undefined, color: 'auto' }, out).warn(
        { peer: 'tcp4:1.2.3.4:5' },
        'slow',
      );
    } finally {
      if (previous !== undefined) process.env.NO_COLOR = previous;
    }
    const [line] = out.lines();
    expect(line).toContain(ESC);
    expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] .*WARN.*slow.*tcp4:1\.2\.3\.4:5/);
  });

  it.each([
    ['standard', /^\[\d{4}-\d\d-\d\d [\d:.]+\] INFO: joined \{"realm":"r1"\}$/],
    ['syslogd', /^INFO: joined \{"realm":"r1"\}$/],
    ['none', /^joined \{"realm":"r1"\}$/],
  ] as const)('--logformat %s --color false', (format, expected) => {
    const out = capture(true);
    createNodeLogger({ level: 'info', format, color: 'false' }, out).info({ realm: 'r1' }, 'joined');
    expect(out.lines()).toEqual([expect.stringMatching(expected)]);
  });

  it('--loglevel warn keeps info out, none keeps everything out', () => {
    const warn = capture();
    const logger = createNodeLogger({ level: 'warn', format: 'json', color: 'auto' }, warn);
    logger.info({}, 'info');
    logger.warn({}, 'warn');
    expect(warn.lines().map((l) => JSON.parse(l).msg)).toEqual(['warn']);
    const none = capture();
    createNodeLogger({ level: 'none', format: 'json', color: 'auto' }, none).error({}, 'error');
    expect(none.lines()).toEqual([]);
  });
});

describe('interchange start logging', () => {
  async function site(): Promise<string> {
    const cwd = await tempDir();
    await mkdir(join(cwd, '.interchange'));
    const config = workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }], {
      realms: [
        {
          name: 'realm1',
          roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }],
        },
      ],
    });
    await writeFile(join(cwd, '.interchange', 'config.json'), JSON.stringify(config));
    return cwd;
  }

  it('exits 2 on a bad --loglevel, and only start takes the log flags', async () => {
    let stderr = '';
    const io = { stderr: { write: (t: string) => (stderr += t) }, stdout: { write: () => true } };
    expect(await runCli(['start', '--loglevel', 'verbose'], io)).toBe(2);
    expect(stderr).toContain('--loglevel takes none, error, warn, info, debug, trace; got verbose');
    expect(await runCli(['check', '--logformat', 'json'], io)).toBe(2);
    expect(stderr).toContain('check does not take --logformat');
  });

  it('--loglevel trace --logformat json: joins, leaves and every message, with transport and peer', async () => {
    const cwd = await site();
    const out = capture(false);
    const entries: Record<string, unknown>[] = [];
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    let stop!: (signal: string) => void;
    const running = runCli(['start', '--loglevel', 'trace', '--logformat', 'json'], {
      cwd,
      stdout: { write: () => true },
      stderr: { write: () => true },
      createLogger: (settings) =>
        createNodeLogger(settings, {
          write: (line: string) => {
            out.write(line);
            const entry = JSON.parse(line) as Record<string, unknown>;
            entries.push(entry);
            if (entry.msg === 'transport listening') listening((entry.websocket as string[])[0] as string);
          },
        }),
      waitForStop: () => new Promise((resolve) => (stop = resolve)),
    });
    const client = new RawWampClient(await url);
    const session = await client.join();
    client.send([6, {}, 'wamp.close.close_realm']);
    await client.closed;
    stop('SIGTERM');
    expect(await running).toBe(0);
    const joined = entries.find((e) => e.msg === 'session joined');
    expect(joined).toMatchObject({
      level: 30,
      session,
      realm: 'realm1',
      authrole: 'anonymous',
      authid: expect.any(String),
      transport: 'websocket',
      peer: expect.stringMatching(/^tcp4:127\.0\.0\.1:\d+$/),
    });
    expect(entries.find((e) => e.msg === 'session left')).toMatchObject({ level: 30, session, realm: 'realm1' });
    // Trace: each message in and out by type, and nothing of its content.
    const traced = entries.filter((e) => e.level === 10).map((e) => `${e.msg} ${e.type}`);
    expect(traced).toEqual(
      expect.arrayContaining(['message received HELLO', 'message sent WELCOME', 'message received GOODBYE']),
    );
    expect(entries.filter((e) => e.level === 10).every((e) => !('details' in e) && !('args' in e))).toBe(true);
  });
});

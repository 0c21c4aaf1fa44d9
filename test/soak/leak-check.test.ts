/**
 * The soak's per-session leak check (soak/leak-check.mjs, the leak phase of `npm run soak`) must
 * be able to fail: fed a leaking fake it reports the leak and a flat one it passes, and run
 * against a real node with a deliberate leak of 4 KiB a connection (node-child.mjs's test-only
 * SOAK_INJECT_LEAK_BYTES hook), `npm run soak`'s leak phase exits 1 naming it. The soak itself, in
 * `npm run soak`, shows the real node passing (docs/reliability.md).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bytesPerSession, leakFailure } from '../../soak/leak-check.mjs';

const MiB = 1024 * 1024;
/** Heap sizes after GC of a node that moves by up to 300 KiB either way, round to round. */
const NOISE = [0, 210_000, -150_000, 300_000, -280_000, 90_000, -40_000];

function fake(leakPerSession: number) {
  return NOISE.map((noise, round) => {
    const sessions = (round + 1) * 400;
    return { sessions, heapUsed: 23 * MiB + noise + leakPerSession * sessions };
  });
}

describe('soak leak check', () => {
  it('passes a node whose heap only wanders, and reports one leaking 1 KiB a session', () => {
    expect(Math.abs(bytesPerSession(fake(0)))).toBeLessThan(200);
    expect(leakFailure(fake(0), 512)).toBeUndefined();
    expect(bytesPerSession(fake(1024))).toBeGreaterThan(900);
    expect(leakFailure(fake(1024), 512)).toMatch(/^heap after GC grows by \d+ bytes per session \(bound 512\)/);
  });

  it('needs rounds to compare', () => {
    expect(() => bytesPerSession([{ sessions: 1, heapUsed: 1 }])).toThrow(/at least two rounds/);
    expect(() =>
      leakFailure(
        [
          { sessions: 5, heapUsed: 1 },
          { sessions: 5, heapUsed: 2 },
        ],
        512,
      ),
    ).toThrow(/different session counts/);
  });

  it('fails `npm run soak` against a node that keeps 4 KiB per connection', async () => {
    const child = spawn(
      process.execPath,
      [
        'soak/run.mjs',
        '--leak-only',
        '--leak-rounds',
        '3',
        '--leak-warmup',
        '1',
        '--leak-sessions',
        '200',
        '--inject-leak',
        '4096',
      ],
      { cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).toMatch(/per-session leak: heap after GC grows by \d+ bytes per session \(bound 512\)/);
    const perSession = Number(output.match(/leak phase: (\d+) bytes per session/)?.[1]);
    // The array of 512 small integers the hook keeps is 4 KiB and a little more.
    expect(perSession).toBeGreaterThan(3500);
    expect(code).toBe(1);
  }, 180_000);
});

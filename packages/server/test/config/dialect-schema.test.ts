/** The realm's `dialect` block: accepted, handed to the router, and each mistake named by its key path. */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import type { RouterWorkerConfig } from '../../src/config/config-schema.js';
import { realmsOfWorker } from '../../src/config/router-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

const withDialect = (dialect: unknown) => ({
  version: 2,
  workers: [{ type: 'router', realms: [{ name: 'realm1', dialect }] }],
});

describe('realm dialect', () => {
  it("takes the spec's side on every point when asked, in the router's shape", async () => {
    const result = await validateConfig(
      withDialect({
        goodbye_reply: 'wamp.close.goodbye_and_out',
        session_on_leave: 'spec',
        call_timeout_unit: 'milliseconds',
      }),
    );
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([]);
    if (!result.ok) return;
    expect(realmsOfWorker(result.config.workers[0] as RouterWorkerConfig)[0]).toEqual({
      name: 'realm1',
      dialect: {
        goodbyeReply: 'wamp.close.goodbye_and_out',
        sessionOnLeave: 'spec',
        unannouncedCallTimeout: 'milliseconds',
      },
    });
  });

  it('names a wrong value and an unknown key', async () => {
    const result = await validateConfig(withDialect({ session_on_leave: 'v2', goodbye: 'x' }));
    const issues = result.ok ? [] : result.issues.map(formatIssue).join('\n');
    expect(issues).toContain('session_on_leave');
    expect(issues).toContain('goodbye');
  });
});

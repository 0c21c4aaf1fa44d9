import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { workerConfig } from '../helpers.js';

async function problems(realm: Record<string, unknown>): Promise<string[]> {
  const result = await validateConfig(workerConfig([], { realms: [{ name: 'realm1', ...realm }] }));
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('realm store call-queue and realm stats config', () => {
  it.each([
    [
      {
        store: {
          type: 'memory',
          limit: 50,
          'call-queue': [{ uri: 'com.example.compute', match: 'exact', limit: 1000 }],
        },
      },
    ],
    [{ store: { type: 'memory', 'call-queue': [{ uri: 'com.example.', match: 'prefix' }] } }],
    [
      {
        stats: {
          rated_message_size: 256,
          trigger_after_rated_messages: 10,
          trigger_after_duration: 0,
          trigger_on_join: true,
          trigger_on_leave: true,
        },
      },
    ],
    [{ stats: { trigger_after_duration: 60 } }],
  ])('accepts %j', async (realm) => {
    expect(await problems(realm)).toEqual([]);
  });

  it.each([
    [{ store: { type: 'memory', 'call-queue': [{ uri: 'com.x', limit: 0 }] } }, 'limit'],
    [{ store: { type: 'memory', 'call-queue': [{ uri: 'com..x' }] } }, 'not a valid exact procedure URI'],
    [{ store: { type: 'memory', 'call-queue': [{ uri: 'com.x', match: 'fuzzy' }] } }, 'match'],
    [{ store: { type: 'memory', 'call-queue': [{ uri: 'com.x', concurrency: 3 }] } }, 'concurrency'],
    [{ stats: { rated_message_size: 255, trigger_after_rated_messages: 10 } }, 'even'],
    [{ stats: { trigger_on_join: true } }, 'trigger_after_rated_messages or trigger_after_duration'],
    [{ stats: { trigger_after_rated_messages: 10, trigger_every: 3 } }, 'trigger_every'],
  ])('refuses %j (%s)', async (realm, text) => {
    const found = await problems(realm);
    expect(found.some((line) => line.includes(text))).toBe(true);
  });
});

/**
 * The `mqtt` transport's config as Crossbar writes it, checked: what is accepted, and what is
 * reported with its key path (unknown serializers, unknown mapping types, missing codec procedures, keys
 * Crossbar does not have).
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { workerConfig } from '../helpers.js';

const endpoint = { type: 'tcp', port: 1883 };

async function problems(mqtt: Record<string, unknown>, universal = false): Promise<string[]> {
  const transport = universal
    ? { type: 'universal', endpoint, mqtt: { options: mqtt } }
    : { type: 'mqtt', endpoint, options: mqtt };
  const result = await validateConfig(workerConfig([transport], { realms: [{ name: 'realm1' }, { name: 'codec' }] }));
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('mqtt transport config', () => {
  it.each([
    ['passthrough', { '': { type: 'passthrough' } }],
    ['native', { '': { type: 'native', serializer: 'cbor' }, 'com.': { type: 'native', serializer: 'json' } }],
    [
      'dynamic',
      {
        '': { type: 'dynamic', realm: 'codec', encoder: 'com.example.mqtt.encode', decoder: 'com.example.mqtt.decode' },
      },
    ],
  ])('accepts a %s payload mapping, on mqtt and universal transports', async (_name, mapping) => {
    const options = { realm: 'realm1', role: 'anonymous', payload_mapping: mapping };
    expect(await problems(options)).toEqual([]);
    expect(await problems(options, true)).toEqual([]);
  });

  it('accepts the auth block and the bounds', async () => {
    expect(
      await problems({
        realm: 'realm1',
        auth: { ticket: { type: 'static', principals: { joe: { ticket: 's', role: 'anonymous' } } } },
        max_packet_size: 65536,
        max_inflight: 10,
        max_queued: 100,
        session_expiry: 60,
      }),
    ).toEqual([]);
  });

  it('accepts every native payload serializer Crossbar has, ubjson included', async () => {
    for (const serializer of ['json', 'msgpack', 'cbor', 'ubjson']) {
      expect(await problems({ realm: 'realm1', payload_mapping: { '': { type: 'native', serializer } } })).toEqual([]);
    }
  });

  it.each([
    [
      { realm: 'realm1', payload_mapping: { '': { type: 'native', serializer: 'flatbuffers' } } },
      'workers[0].transports[0].options.payload_mapping[""].serializer',
    ],
    [
      { realm: 'realm1', payload_mapping: { '': { type: 'carrier' } } },
      'workers[0].transports[0].options.payload_mapping[""].type',
    ],
    [
      { realm: 'realm1', payload_mapping: { '': { type: 'dynamic', encoder: 'a.b' } } },
      'workers[0].transports[0].options.payload_mapping[""].decoder',
    ],
    [{ role: 'anonymous' }, 'workers[0].transports[0].options.realm'],
    [{ realm: 'realm1', max_inflight: 0 }, 'workers[0].transports[0].options.max_inflight'],
    [{ realm: 'realm1', qos: 2 }, 'workers[0].transports[0].options.qos: unsupported key'],
    [{ realm: 'nowhere' }, 'workers[0].transports[0].options.realm: no realm "nowhere"'],
    [
      { realm: 'realm1', payload_mapping: { '': { type: 'dynamic', realm: 'nope', encoder: 'a.e', decoder: 'a.d' } } },
      'workers[0].transports[0].options.payload_mapping[""].realm: no realm "nope"',
    ],
  ])('reports %j', async (options, expected) => {
    const found = await problems(options);
    expect(
      found.some((line) => line.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });
});

/**
 * The config check of Crossbar's WebSocket and RawSocket options: every option Crossbar accepts
 * passes with its valid values, wrong values are reported with their key path, and the values
 * that cannot exist here are refused as unsupported with the reason.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';

const ENDPOINT = { type: 'tcp', port: 8000 };
const endpoint = (port: number) => ({ type: 'tcp', port });

function withTransports(...transports: unknown[]): Record<string, unknown> {
  return { version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports }] };
}

async function problems(config: unknown): Promise<{ line: string; kind: string }[]> {
  const result = await validateConfig(config);
  return result.ok ? [] : result.issues.map((issue) => ({ line: formatIssue(issue), kind: issue.kind }));
}

/** Every WebSocket option Crossbar's check accepts, with a value it accepts. */
const EVERY_OPTION = {
  allowed_origins: ['https://*.example.com:443'],
  allow_null_origin: false,
  external_port: 443,
  enable_hybi10: false,
  enable_rfc6455: true,
  open_handshake_timeout: 2500,
  close_handshake_timeout: 1000,
  enable_webstatus: true,
  validate_utf8: true,
  mask_server_frames: false,
  require_masked_client_frames: true,
  apply_mask: true,
  max_frame_size: 1048576,
  max_message_size: 1048576,
  auto_fragment_size: 65536,
  fail_by_drop: true,
  echo_close_codereason: true,
  tcp_nodelay: false,
  auto_ping_interval: 10000,
  auto_ping_timeout: 5000,
  auto_ping_size: 125,
  auto_ping_restart_on_any_traffic: false,
  enable_flash_policy: false,
  compression: {
    deflate: {
      request_no_context_takeover: false,
      request_max_window_bits: 13,
      no_context_takeover: false,
      max_window_bits: 13,
      memory_level: 5,
    },
  },
  require_websocket_subprotocol: false,
  show_server_version: true,
};

describe('WebSocket and RawSocket options in the config', () => {
  it('accepts every option Crossbar accepts, on websocket transports, web paths and universal transports', async () => {
    const config = withTransports(
      { type: 'websocket', endpoint: ENDPOINT, debug: true, options: EVERY_OPTION },
      {
        type: 'web',
        endpoint: endpoint(8001),
        paths: { ws: { type: 'websocket', debug: false, options: EVERY_OPTION } },
      },
      {
        type: 'universal',
        endpoint: endpoint(8002),
        websocket: { ws: { type: 'websocket', options: EVERY_OPTION } },
        rawsocket: { serializer: 'cbor', options: { max_message_size: 65536 }, debug: true },
      },
      { type: 'rawsocket', endpoint: endpoint(8003), serializers: ['json'], options: { max_message_size: 1048576 } },
    );
    expect(await problems(config)).toEqual([]);
  });

  it.each([
    [{ mask_server_frames: true }, 'mask_server_frames: unsupported value true: RFC 6455 section 5.1 forbids'],
    [{ require_masked_client_frames: false }, 'require_masked_client_frames: unsupported value false'],
    [{ apply_mask: false }, 'apply_mask: unsupported value false'],
    [{ enable_flash_policy: true }, 'enable_flash_policy: unsupported value true: Flash socket policy files'],
    [{ flash_policy: '<cross-domain-policy/>' }, 'flash_policy: unsupported key: Flash socket policy files'],
  ])('refuses %j as unsupported, with the reason', async (options, message) => {
    const found = await problems(withTransports({ type: 'websocket', endpoint: ENDPOINT, options }));
    expect(found).toHaveLength(1);
    expect(found[0]?.line).toContain(`workers[0].transports[0].options.${message}`);
    expect(found[0]?.kind).toBe('unsupported');
  });

  it.each([
    [{ auto_ping_size: 11 }, 'options.auto_ping_size: expected an integer 12..125, got 11'],
    [{ open_handshake_timeout: -1 }, 'options.open_handshake_timeout: expected an integer 0..2147483647, got -1'],
    [{ max_frame_size: 'big' }, 'options.max_frame_size: expected an integer 0..2147483647, got "big"'],
    [{ external_port: 0 }, 'options.external_port: expected an integer 1..65535, got 0'],
    [
      { enable_hybi10: false, enable_rfc6455: false },
      'options.enable_rfc6455: with enable_hybi10 and enable_rfc6455 both false, no client could connect',
    ],
  ])('reports the invalid %j with its key path', async (options, message) => {
    const found = await problems(withTransports({ type: 'websocket', endpoint: ENDPOINT, options }));
    expect(found).toEqual([{ line: `workers[0].transports[0].${message}`, kind: 'invalid' }]);
  });

  it('needs json among the serializers when no subprotocol is required', async () => {
    const found = await problems(
      withTransports({
        type: 'web',
        endpoint: ENDPOINT,
        paths: {
          ws: { type: 'websocket', serializers: ['cbor'], options: { require_websocket_subprotocol: false } },
        },
      }),
    );
    expect(found.map((f) => f.line)).toEqual([
      'workers[0].transports[0].paths.ws.options.require_websocket_subprotocol: false needs "json" among the serializers: a client offering no subprotocol speaks wamp.2.json',
    ]);
  });

  it('takes a RawSocket setting once: serializer or serializers, max_message_size in one place', async () => {
    const found = await problems(
      withTransports({
        type: 'rawsocket',
        endpoint: ENDPOINT,
        serializer: 'json',
        options: { max_message_size: 2048, other: 1 },
      }),
    );
    expect(found.map((f) => f.line)).toEqual([
      'workers[0].transports[0].options.other: unsupported key (not implemented by Interchange; supported here: max_message_size, outbound_limit, slow_consumer, hello_timeout, handshake_timeout)',
    ]);
    const both = await problems(
      withTransports({
        type: 'rawsocket',
        endpoint: ENDPOINT,
        serializer: 'json',
        serializers: ['json'],
        max_message_size: 1024,
        options: { max_message_size: 2048 },
      }),
    );
    expect(both.map((f) => f.line)).toEqual([
      'workers[0].transports[0].serializer: give either "serializer" or "serializers", not both',
      'workers[0].transports[0].max_message_size: give max_message_size once, in "options" (Crossbar\'s place)',
    ]);
  });
});

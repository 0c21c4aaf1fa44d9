/**
 * Writes the seed corpora of fuzz/corpus/<target>/: small valid inputs of each kind, from which
 * the fuzzers mutate. Deterministic; run `node fuzz/make-seeds.mjs` after a build to refresh them
 * (files it did not write, such as inputs a fuzzer found, are kept).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSerializer,
  encodeRawSocketFrame,
  encodeRawSocketHandshake,
  messageFromArray,
  RawSocketFrameType,
} from '@interchange/protocol';

const root = new URL('.', import.meta.url).pathname;

function write(target, bytes) {
  const dir = join(root, 'corpus', target);
  mkdirSync(dir, { recursive: true });
  const data = Buffer.from(bytes);
  writeFileSync(join(dir, `seed-${createHash('sha1').update(data).digest('hex').slice(0, 16)}`), data);
}

/** A masked client frame (RFC 6455 section 5.2) with the given first byte. */
function wsFrame(first, payload, mask = [0x37, 0xfa, 0x21, 0x3d]) {
  const body = Buffer.from(payload);
  const length = body.length;
  const header =
    length < 126
      ? Buffer.from([first, 0x80 | length])
      : length < 65_536
        ? Buffer.from([first, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([first, 0x80 | 127, 0, 0, 0, 0]), Buffer.from([0, 0, 0, 0])]);
  if (length >= 65_536) header.writeUInt32BE(length, 6);
  const masked = Buffer.from(body.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, Buffer.from(mask), masked]);
}

const HELLO = [1, 'realm1', { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }];
const WIRE = [
  HELLO,
  [
    1,
    'realm1',
    {
      roles: { subscriber: {} },
      authmethods: ['ticket', 'wampcra'],
      authid: 'joe',
      authextra: { x: [1, 2.5, null, true] },
    },
  ],
  [5, 'secret', {}],
  [6, { message: 'bye' }, 'wamp.close.system_shutdown'],
  [16, 1, {}, 'com.example.topic'],
  [16, 2, { acknowledge: true, retain: true, exclude_me: false }, 'com.example.topic', [1, 'two'], { three: 3 }],
  [32, 3, { match: 'prefix', get_retained: true }, 'com.example'],
  [34, 4, 5],
  [48, 6, { timeout: 1000, receive_progress: true }, 'com.example.add', [2, 3]],
  [48, 7, {}, 'com.example.echo', [], { deep: { a: [[[[1]]]] } }],
  [49, 8, { mode: 'kill' }],
  [64, 9, { invoke: 'roundrobin', match: 'wildcard' }, 'com.example..add'],
  [66, 10, 11],
  [70, 12, { progress: true }, [5]],
  [8, 68, 13, {}, 'com.example.error', ['oops'], { why: 'because' }],
  [16, 14, { ppt_scheme: 'x_custom', ppt_serializer: 'native' }, 'com.example.ppt', [new Uint8Array([1, 2, 3])]],
];

// WebSocket frames: first byte 0x1a picks maxPayload 1 MiB and maxFrame 70,000 (see the target).
const text = (s) => Buffer.from(s);
const ws = (...frames) => write('websocket-frame-reader', Buffer.concat([Buffer.from([0x1a]), ...frames]));
ws(wsFrame(0x81, text(JSON.stringify(HELLO))));
ws(wsFrame(0x82, Buffer.from([0x93, 0x01, 0xa6, 0x72, 0x65, 0x61, 0x6c, 0x6d, 0x31, 0x80])));
ws(wsFrame(0x01, text('[1,"re')), wsFrame(0x89, text('ping!')), wsFrame(0x80, text('alm1",{}]')));
ws(wsFrame(0x02, Buffer.alloc(10, 1)), wsFrame(0x00, Buffer.alloc(10, 2)), wsFrame(0x80, Buffer.alloc(10, 3)));
ws(
  wsFrame(0x89, Buffer.alloc(0)),
  wsFrame(0x8a, text('pong')),
  wsFrame(0x88, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])),
);
ws(wsFrame(0x88, Buffer.alloc(0)));
ws(wsFrame(0x88, Buffer.from([0x0f, 0xa0])), wsFrame(0x81, text('after close')));
ws(wsFrame(0x82, Buffer.alloc(300, 7)));
ws(wsFrame(0x82, Buffer.alloc(70_001, 9)));
ws(wsFrame(0x81, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5])));
ws(wsFrame(0x81, Buffer.from([0xff, 0xfe])));
ws(wsFrame(0x88, Buffer.from([0x03, 0xe8, 0xff])));
ws(Buffer.from([0x81, 0x05]), text('hello'));
write('websocket-frame-reader', Buffer.concat([Buffer.from([0x02]), wsFrame(0x81, Buffer.alloc(200, 0x61))]));

// RawSocket: first byte 0x09 expects a handshake, with a limit of 64 KiB.
const raw = (first, ...parts) =>
  write('rawsocket-framing', Buffer.concat([Buffer.from([first]), ...parts.map((p) => Buffer.from(p))]));
const helloBytes = Buffer.from(JSON.stringify(HELLO));
raw(0x07, encodeRawSocketHandshake(1, 15), encodeRawSocketFrame(RawSocketFrameType.MESSAGE, helloBytes));
raw(
  0x07,
  encodeRawSocketHandshake(2, 9),
  encodeRawSocketFrame(RawSocketFrameType.PING, text('abc')),
  encodeRawSocketFrame(RawSocketFrameType.PONG, text('')),
);
raw(
  0x06,
  encodeRawSocketFrame(RawSocketFrameType.MESSAGE, helloBytes),
  encodeRawSocketFrame(RawSocketFrameType.MESSAGE, text('[6,{},"x"]')),
);
raw(0x07, [0x7f, 0x00, 0x00, 0x00]);
raw(0x07, [0x7f, 0x31, 0x00, 0x00]);
raw(0x08, [0x08, 0x00, 0x00, 0x00]);
raw(0x06, [0x00, 0x00, 0x00, 0x05], text('hel'));

// WAMP frames: the first byte picks the subprotocol (index into json, json.batched, msgpack,
// msgpack.batched, cbor, cbor.batched); 0x80 sends JSON as text.
const serializers = ['json', 'msgpack', 'cbor'].flatMap((name) => [
  createSerializer(name),
  createSerializer(name, { batched: true }),
]);
const messages = WIRE.map((array) => messageFromArray(array));
serializers.forEach((serializer, index) => {
  for (const message of messages) {
    let frame;
    try {
      frame = serializer.encode(message);
    } catch {
      continue; // e.g. bytes in JSON go as a base64 string; a message JSON cannot hold is skipped
    }
    write('wamp-decoders', Buffer.concat([Buffer.from([index]), Buffer.from(frame)]));
  }
  if (serializer.batched) {
    const frame = serializer.joinFrames(messages.slice(0, 4).map((m) => serializer.encode(m)));
    write(
      'wamp-decoders',
      Buffer.concat([Buffer.from([index | (serializer.name === 'json' ? 0x80 : 0)]), Buffer.from(frame)]),
    );
  }
});
write(
  'wamp-decoders',
  Buffer.concat([
    Buffer.from([1]),
    text(JSON.stringify(HELLO)),
    Buffer.from([0x18]),
    text('[6,{},"x"]'),
    Buffer.from([0x18]),
  ]),
);

// Long-poll: 0 a path, 1 an open body, 2 + 4k a send body in LONGPOLL_PROTOCOLS[k].
for (const path of ['', '/open', '/kjmd3sBLOUnb3Fyr', '/kjmd3sBLOUnb3Fyr/send', '/abc/receive/', '/abc/close']) {
  write('longpoll-body', Buffer.concat([Buffer.from([0]), text(path)]));
}
for (const body of [
  '{"protocols": ["wamp.2.json"]}',
  '{"protocols": ["wamp.2.cbor.batched", "wamp.2.json"]}',
  '{"protocols": []}',
]) {
  write('longpoll-body', Buffer.concat([Buffer.from([1]), text(body)]));
}
const lp = [
  'wamp.2.json.batched',
  'wamp.2.json',
  'wamp.2.msgpack.batched',
  'wamp.2.msgpack',
  'wamp.2.cbor.batched',
  'wamp.2.cbor',
];
lp.forEach((protocol, k) => {
  const serializer = serializers.find((s) => s.subprotocol === protocol);
  write('longpoll-body', Buffer.concat([Buffer.from([2 + 4 * k]), Buffer.from(serializer.encode(messages[0]))]));
});
write('longpoll-body', Buffer.concat([Buffer.from([2]), text(JSON.stringify(HELLO)), Buffer.from([0x18])]));

// Config: 0 JSON, 1 YAML. The placeholder is a Crossbar `${VAR}`, unset in the fuzzer's environment.
const PLACEHOLDER = ['$', '{PORT}'].join('');
const votes = readFileSync(join(root, '..', 'examples', 'votes', '.interchange', 'config.json'));
write('config', Buffer.concat([Buffer.from([0]), votes]));
write(
  'config',
  Buffer.concat([
    Buffer.from([0]),
    text(
      '{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}]}]}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": "' +
        PLACEHOLDER +
        '"}}]}]}',
    ),
  ]),
);
write(
  'config',
  Buffer.concat([
    Buffer.from([1]),
    text(`version: 2
controller: {}
workers:
  - type: router
    options: { pythonpath: [".."] }
    realms:
      - name: realm1
        roles:
          - name: authenticated
            permissions:
              - { uri: "com.example.", match: prefix, allow: { call: true, publish: true }, disclose: { caller: true } }
    transports:
      - type: web
        endpoint: { type: tcp, port: 8080, backlog: 1024 }
        paths:
          /: { type: static, directory: ../web }
          ws: { type: websocket, serializers: [json, cbor], options: { max_message_size: 1048576 } }
          lp: { type: longpoll }
          call: { type: caller, realm: realm1, role: anonymous }
        auth:
          ticket: { type: static, principals: { joe: { ticket: secret, role: authenticated } } }
      - type: rawsocket
        endpoint: { type: unix, path: /tmp/x.sock }
        serializers: [msgpack]
defaults: &d { a: 1 }
other: *d
`),
  ]),
);

// Router session: the first byte picks json, msgpack or cbor, batched; A's messages after HELLO.
const batched = ['json', 'msgpack', 'cbor'].map((name) => createSerializer(name, { batched: true }));
const sessionScripts = [
  [
    [16, 1, { acknowledge: true }, 'com.fuzz.a', [1]],
    [48, 2, {}, 'com.fuzz.proc', ['x']],
    [6, {}, 'wamp.close.normal'],
  ],
  [
    [32, 3, {}, 'com.fuzz.t'],
    [16, 4, { exclude_me: false }, 'com.fuzz.t', [], { k: 1 }],
    [34, 5, 1],
  ],
  [
    [64, 6, {}, 'com.fuzz.mine'],
    [48, 7, { receive_progress: true }, 'com.fuzz.mine', []],
    [70, 1, {}, ['done']],
  ],
  [
    [48, 8, { timeout: 10 }, 'com.fuzz.proc', []],
    [49, 8, { mode: 'killnowait' }],
  ],
  [
    [48, 9, {}, 'wamp.session.list', []],
    [48, 10, {}, 'wamp.registration.lookup', ['com.fuzz.proc']],
    [48, 11, {}, 'wamp.subscription.list', []],
  ],
  [
    [64, 12, { invoke: 'roundrobin' }, 'com.fuzz.proc'],
    [64, 13, { force_reregister: true }, 'com.fuzz.proc'],
    [66, 14, 1],
  ],
  [
    [16, 15, { retain: true }, 'com.fuzz.r', [1]],
    [32, 16, { get_retained: true }, 'com.fuzz.r'],
    [8, 68, 1, {}, 'com.fuzz.err'],
  ],
];
sessionScripts.forEach((script, i) => {
  const serializer = batched[i % batched.length];
  const frame = serializer.joinFrames(script.map((array) => serializer.encode(messageFromArray(array))));
  write('router-session', Buffer.concat([Buffer.from([i % batched.length]), Buffer.from(frame)]));
});

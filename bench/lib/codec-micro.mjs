#!/usr/bin/env node
import { resolve } from 'node:path';
/**
 * The serializer's share of a routed call, without sockets or router: decode a CALL and a YIELD,
 * encode an INVOCATION and a RESULT (what the router's transports do per call), in a loop, one
 * JSON line `{"ns": <CPU nanoseconds per call>}`. Give it a built protocol package (its dist/ index)
 * to compare two builds side by side:
 *
 *   node bench/lib/codec-micro.mjs packages/protocol/dist/index.js [json|msgpack|cbor]
 *   node bench/lib/codec-micro.mjs floor     what the node:net floor does instead (json only):
 *                                            toString + JSON.parse in, JSON.stringify + Buffer.from out
 */
import { pathToFileURL } from 'node:url';

const [entry, name = 'json'] = process.argv.slice(2);
/** The floor's codec (targets/net-relay.mjs): arrays in and out, no validation, no typed messages. */
const floorSerializer = {
  encode: (m) =>
    m.type === 'INVOCATION'
      ? Buffer.from(JSON.stringify([68, m.requestId, m.registration, m.details, m.args]))
      : m.type === 'RESULT'
        ? Buffer.from(JSON.stringify([50, m.requestId, m.details, m.args]))
        : Buffer.from(
            JSON.stringify(
              m.type === 'CALL' ? [48, m.requestId, {}, m.procedure, m.args] : [70, m.requestId, {}, m.args],
            ),
          ),
  decode: (bytes) => {
    const a = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    return [a[0] === 48 ? { requestId: a[1], args: a[4] } : { requestId: a[1], args: a[3] }];
  },
};
const protocol = entry === 'floor' ? undefined : await import(pathToFileURL(resolve(entry)).href);
const serializer = protocol === undefined ? floorSerializer : protocol.createSerializer(name);
const call = serializer.encode({
  type: 'CALL',
  requestId: 123456,
  options: {},
  procedure: 'bench.echo',
  args: ['ping'],
});
const answer = serializer.encode({ type: 'YIELD', requestId: 98765, options: {}, args: ['pong'] });
const frames = [call, answer].map((f) => (typeof f === 'string' ? new TextEncoder().encode(f) : f));
let sink = 0;
function round(n) {
  for (let i = 0; i < n; i++) {
    const [c] = serializer.decode(frames[0]);
    const [y] = serializer.decode(frames[1]);
    const inv = { type: 'INVOCATION', requestId: i + 1, registration: 77, details: {}, args: c.args };
    const res = { type: 'RESULT', requestId: c.requestId, details: {}, args: y.args };
    sink += serializer.encode(inv).length + serializer.encode(res).length;
  }
}
round(100_000);
// CPU time of this process, not wall time: on a shared machine the wall clock counts the others too.
const started = process.cpuUsage();
round(500_000);
const used = process.cpuUsage(started);
console.log(JSON.stringify({ ns: ((used.user + used.system) * 1000) / 500_000, sink: sink > 0 }));

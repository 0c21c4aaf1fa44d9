/**
 * Acknowledged publications into a realm store (issue 13): `publishers` sessions keep `inflight`
 * PUBLISHes with `acknowledge` and `retain` outstanding, each to its own topic under a prefix
 * that has an event history, so every publication writes a history event and a retained event.
 * Counts PUBLISHED per second and the time from each PUBLISH leaving to its PUBLISHED arriving.
 * The router runs with the realm store the cell names (`memory`, or `lmdb` in a fresh temporary
 * directory: see targets/interchange.mjs); with `lmdb`, PUBLISHED waits for the commit.
 */
import { Histogram } from './histogram.mjs';
import { measureWindow, waitOrFail, watchClients } from './measure.mjs';
import { Code, FrameTemplate, HEAD, headReader, ID_SLOT } from './wire.mjs';
import { openMany, WampRawClient } from './ws-client.mjs';

/** The topic prefix the launcher configures an event history for. */
export const DURABLE_PREFIX = 'bench.durable.';
/** Request IDs of publisher k start at k * 10^8. */
const PUBLISHER_ID_SPAN = 100_000_000;
/** Send times by request ID, modulo this ring (far more than ever in flight). */
const RING = 1 << 16;

/** Closed loop: each PUBLISHED sends the next PUBLISH. */
export async function durablePublish(job) {
  const { host, port, serializer, realm } = job;
  const publishers = await openMany(
    job.publishers,
    32,
    () => new WampRawClient({ host, port, serializer }),
    (client) => client.join(realm),
  );
  const read = headReader(serializer);
  const stats = { unexpected: 0, lastUnexpected: undefined };
  const watch = watchClients(publishers);
  let histogram = new Histogram();
  let acknowledged = 0;
  try {
    publishers.forEach((publisher, k) => {
      const frame = new FrameTemplate(serializer, [
        Code.PUBLISH,
        ID_SLOT,
        { acknowledge: true, retain: true },
        `${DURABLE_PREFIX}${k}`,
        [{ publisher: k, reading: 21.5, unit: 'celsius' }],
      ]);
      const sentAt = new Float64Array(RING);
      let nextId = k * PUBLISHER_ID_SPAN + 1;
      const send = () => {
        const id = nextId++;
        sentAt[id & (RING - 1)] = performance.now();
        publisher.queue(frame, id);
      };
      publisher.onFrame = (buf, start, end) => {
        if (read(buf, start, end) !== Code.PUBLISHED) {
          stats.unexpected++;
          stats.lastUnexpected = buf.subarray(start, Math.min(end, start + 120)).toString('latin1');
          return;
        }
        histogram.record((performance.now() - sentAt[HEAD[1] & (RING - 1)]) * 1000);
        acknowledged++;
        send();
      };
      const share = Math.floor(job.inflight / publishers.length) + (k < job.inflight % publishers.length ? 1 : 0);
      for (let i = 0; i < share; i++) send();
      publisher.flush();
    });
    const failure = () => (stats.unexpected > 0 ? `unexpected message: ${stats.lastUnexpected}` : watch.failure());
    await waitOrFail(job.warmupMs, failure);
    histogram = new Histogram();
    const window = await measureWindow({
      warmupMs: 0,
      durationMs: job.durationMs,
      routerPid: job.routerPid,
      count: () => acknowledged,
      failure,
    });
    return {
      ...window,
      unit: 'publishes/s',
      store: job.store,
      inflight: job.inflight,
      publishers: publishers.length,
      latencyUs: histogram.summary(),
      histogram: histogram.toJSON(),
    };
  } finally {
    watch.stop();
    for (const client of publishers) client.destroy();
  }
}

/**
 * Publish/subscribe scenarios; deliveries are counted at the subscribers.
 *
 * - `fanout`: one publisher, `subscribers` sessions on one topic.
 * - `topics`: many publishers on many topics: `topics` publishers each publish to their own
 *   topic; `subscribers` sessions each subscribe to `perSubscriber` consecutive topics (mod
 *   `topics`), so every publication reaches `subscribers * perSubscriber / topics` sessions.
 *
 * Flow control is closed-loop on deliveries: publications go out while fewer than `window`
 * deliveries are outstanding (published × receivers − received). The router is kept busy without
 * being asked to buffer without bound, which would measure its memory rather than its speed.
 * Two windows are measured one after the other (20,000 and 100,000 deliveries outstanding) and
 * the better counts.
 */
import { measureWindow, watchClients } from './measure.mjs';
import { Code, FrameTemplate, headReader, ID_SLOT } from './wire.mjs';
import { openMany, WampRawClient } from './ws-client.mjs';

/** Deliveries kept outstanding, one measurement each (see `run`). */
const DEFAULT_WINDOWS = [20_000, 100_000];
/** The deepest window in deliveries (see `run`). */
const MAX_DEPTH = 1_000_000;

/** Joins `count` subscribers; `topicsOf(i)` lists subscriber i's topics. */
async function subscribers(job, count, topicsOf, onEvent) {
  const { host, port, serializer, realm } = job;
  const read = headReader(serializer);
  const state = { unexpected: 0, lastUnexpected: undefined };
  const clients = await openMany(
    count,
    job.concurrency ?? 128,
    () => new WampRawClient({ host, port, serializer }),
    async (client, i) => {
      await client.join(realm);
      let requestId = 1;
      for (const topic of topicsOf(i)) await client.request([Code.SUBSCRIBE, requestId++, {}, topic], Code.SUBSCRIBED);
      client.onFrame = (buf, start, end) => {
        if (read(buf, start, end) === Code.EVENT) onEvent();
        else {
          state.unexpected++;
          state.lastUnexpected = buf.subarray(start, Math.min(end, start + 120)).toString('latin1');
        }
      };
    },
  );
  return { clients, state };
}

/** Runs publishers against counted deliveries; shared by both scenarios. */
async function run(job, { topics, subscriberCount, topicsOf, fan }) {
  const { host, port, serializer, realm } = job;
  let delivered = 0;
  let pumpScheduled = false;
  let published = 0;
  const windows = [...(job.windows ?? DEFAULT_WINDOWS)];
  // `publications` deep, when that is deeper than every window in deliveries, up to
  // MAX_DEPTH: 512 publications to 10,000 subscribers are 5 million frames queued at once, which
  // measured one burst's buffering (a router silent for seconds), not a rate.
  const deep = Math.min((job.publications ?? 0) * fan, MAX_DEPTH);
  if (deep > Math.max(...windows)) windows.push(deep);
  // Not yet connected publishers count as nothing; the pump starts once they are.
  let pump = () => {};
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  };
  const subs = await subscribers(job, subscriberCount, topicsOf, () => {
    delivered++;
    schedulePump();
  });
  const publishers = await openMany(
    topics.length,
    32,
    () => new WampRawClient({ host, port, serializer }),
    (client) => client.join(realm),
  );
  const frames = topics.map((topic) => new FrameTemplate(serializer, [Code.PUBLISH, ID_SLOT, {}, topic, ['hello']]));
  const nextId = new Array(topics.length).fill(1);
  const all = [...subs.clients, ...publishers];
  const watch = watchClients(all);
  const failure = () => {
    if (subs.state.unexpected > 0) return `unexpected message at a subscriber: ${subs.state.lastUnexpected}`;
    return watch.failure();
  };
  let maxOutstanding = 0;
  let turn = 0;
  pump = () => {
    const room = Math.floor((maxOutstanding - (published * fan - delivered)) / fan);
    if (room <= 0) return;
    // Round robin over publishers, each getting an equal share, starting where the last pump ended.
    const share = Math.ceil(room / topics.length);
    let left = room;
    for (let k = 0; k < topics.length && left > 0; k++) {
      const p = (turn + k) % topics.length;
      const n = Math.min(share, left);
      for (let i = 0; i < n; i++) publishers[p].queue(frames[p], nextId[p]++);
      publishers[p].flush();
      left -= n;
      published += n;
    }
    turn = (turn + 1) % topics.length;
  };
  try {
    // Each window in turn on the same sessions; the best is the router's rate. A shallow window
    // can leave a fast router idle between rounds, a deep one can overload a router whose cost
    // per write grows with the backlog; both are measured.
    const runs = [];
    for (const window of windows) {
      // At least 2 publications deep per publisher, so every publisher's socket stays busy.
      maxOutstanding = Math.max(window, fan * 2 * topics.length);
      pump();
      // A router that drops events would stall the window; measureWindow reports that as no progress.
      const result = await measureWindow({
        warmupMs: job.warmupMs,
        durationMs: job.durationMs,
        routerPid: job.routerPid,
        count: () => delivered,
        failure,
      });
      runs.push({ window, ...result });
    }
    const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
    // Every delivery answers a publication: more would mean the count is wrong.
    if (delivered > published * fan)
      throw new Error(`counted ${delivered} deliveries for ${published} publications to ${fan} receivers`);
    return {
      ...best,
      windows: runs,
      published,
      delivered,
      unit: 'deliveries/s',
      subscribers: subscriberCount,
      publishers: topics.length,
      fan,
    };
  } finally {
    watch.stop();
    for (const client of all) client.destroy();
  }
}

/** One publisher, `job.subscribers` subscribers of one topic. */
export function fanout(job) {
  const topic = 'bench.fanout';
  return run(job, { topics: [topic], subscriberCount: job.subscribers, topicsOf: () => [topic], fan: job.subscribers });
}

/** `job.topics` publishers on as many topics; `job.subscribers` subscribers of `job.perSubscriber` topics each. */
export function manyTopics(job) {
  const topics = Array.from({ length: job.topics }, (_, i) => `bench.topic.${i}`);
  const per = Math.min(job.perSubscriber, job.topics);
  const topicsOf = (i) => Array.from({ length: per }, (_, k) => topics[(i + k) % topics.length]);
  const fan = (job.subscribers * per) / topics.length;
  return run(job, { topics, subscriberCount: job.subscribers, topicsOf, fan });
}

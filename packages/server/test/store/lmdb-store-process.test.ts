/**
 * The LMDB realm store as a user meets it: a real node process (`interchange start --cbdir`,
 * built dist/, so build first), killed with SIGKILL in the middle of a stream of acknowledged
 * publications, started again, and a new client finds every acknowledged event; a damaged or
 * foreign store file and a second node on the same store are refused at start with the file's
 * name.
 */
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Event, type Session } from '@interchange/client';
import autobahn from 'autobahn';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { tempDir } from '../helpers.js';
import { type NodeProcess, startNode, storeNodeConfig, writeNodeConfig } from './node-process.js';

const LOG_TOPIC = 'com.example.log';
const STATE_PREFIX = 'com.example.state.';
const STATE_TOPICS = 8;
const MARKER = 'damage-marker-0123456789';
const FILLER = 'x'.repeat(1024);
const KILL_AT = 600;
/** A hosted component that kills its node, SIGKILL, when event KILL_AT of the log is routed. */
const KILLER = `export default async (session) => {
  await session.subscribe('${LOG_TOPIC}', (event) => {
    if (event.args[0] === ${KILL_AT}) process.kill(process.pid, 'SIGKILL');
  });
};
`;

const STORE = {
  type: 'lmdb',
  path: 'store',
  maxsize: 64 * 2 ** 20,
  'event-history': [{ uri: LOG_TOPIC, limit: 100_000 }],
};

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** An Autobahn|JS session over msgpack (its serializer classes are missing from @types/autobahn). */
function openAutobahn(url: string): Promise<{ session: autobahn.Session; connection: autobahn.Connection }> {
  const serializers = (autobahn as unknown as { serializer: Record<string, new () => unknown> }).serializer;
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      realm: 'realm1',
      max_retries: 0,
      transports: [
        { type: 'websocket', url, serializers: [new (serializers.MsgpackSerializer as new () => unknown)()] },
      ],
    } as unknown as autobahn.IConnectionOptions);
    connection.onopen = (session) => resolve({ session, connection });
    connection.onclose = (reason, details) => {
      reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
      return true;
    };
    connection.open();
  });
}

const running: NodeProcess[] = [];
const sessions: Session[] = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) session.leave().catch(() => {});
  await Promise.all(running.splice(0).map((node) => node.kill()));
});

async function start(cbdir: string): Promise<{ node: NodeProcess; session: Session }> {
  const node = startNode(cbdir);
  running.push(node);
  const session = await connect({ url: await node.url, realm: 'realm1' });
  sessions.push(session);
  return { node, session };
}

/** Every event of the history of subscription `id`, oldest first. */
async function historyOf(session: Session, id: number): Promise<Record<string, unknown>[]> {
  const result = await session.call('wamp.subscription.get_events', [id]);
  return result.args[0] as Record<string, unknown>[];
}

/** The retained events of the state topics, by topic, as a subscriber with `get_retained` gets them. */
async function retainedState(session: Session): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  await session.subscribe(
    STATE_PREFIX,
    (event: Event) => {
      seen.set(event.details.topic as string, event.args[0] as number);
      if (seen.size === STATE_TOPICS) done();
    },
    { match: 'prefix', get_retained: true },
  );
  await all;
  return seen;
}

describe('lmdb realm store, a real node process', () => {
  it('keeps every acknowledged history event and retained event across a SIGKILL, under the same subscription ID', async () => {
    const cbdir = join(await tempDir(), 'node');
    const config = storeNodeConfig(STORE);
    (config.workers as Record<string, unknown>[])[0]!.components = [
      { type: 'class', classname: 'killer.mjs', realm: 'realm1' },
    ];
    await writeNodeConfig(cbdir, config);
    await writeFile(join(cbdir, 'killer.mjs'), KILLER);
    const first = await start(cbdir);
    const subscription = (await first.session.call('wamp.subscription.lookup', [LOG_TOPIC])).args[0] as number;
    expect(typeof subscription).toBe('number');

    // A stream of publications, 64 in flight at a time, until the node dies: its hosted
    // component kills it with SIGKILL on receiving event KILL_AT, in the very turn that
    // publication is routed, so writes of that turn (and maybe of the turns before) are not
    // committed yet. Only what was acknowledged must be there afterwards.
    const acknowledged = new Set<number>();
    const lastAcknowledgedState = new Map<string, number>();
    let n = 0;
    const publishOne = (): void => {
      const seq = n++;
      const topic = `${STATE_PREFIX}${seq % STATE_TOPICS}`;
      Promise.all([
        first.session.publish(LOG_TOPIC, [seq, FILLER], { acknowledge: true }),
        first.session.publish(topic, [seq], { acknowledge: true, retain: true }),
      ]).then(
        () => {
          acknowledged.add(seq);
          lastAcknowledgedState.set(topic, Math.max(lastAcknowledgedState.get(topic) ?? -1, seq));
          publishOne();
        },
        () => {},
      );
    };
    for (let i = 0; i < 64; i++) publishOne();
    expect(await first.node.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledged.size).toBeGreaterThan(KILL_AT / 2);
    expect(acknowledged.has(KILL_AT)).toBe(false);

    const second = await start(cbdir);
    const events = await historyOf(second.session, subscription);
    const kept = new Set(events.map((event) => (event.args as number[])[0]));
    const missing = [...acknowledged].filter((seq) => !kept.has(seq));
    expect(missing).toEqual([]);
    // In the order they were published, each once.
    const order = events.map((event) => (event.args as number[])[0] as number);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);

    const retained = await retainedState(second.session);
    for (const [topic, seq] of lastAcknowledgedState) {
      // The newest acknowledged state or a later one that reached the disk before the kill.
      expect(retained.get(topic)).toBeGreaterThanOrEqual(seq);
      expect((retained.get(topic) as number) % STATE_TOPICS).toBe(Number(topic.slice(STATE_PREFIX.length)));
    }
  }, 60_000);

  it('gives an Autobahn|JS client, after a SIGKILL, the retained events and history published before it', async () => {
    const cbdir = join(await tempDir(), 'node');
    await writeNodeConfig(
      cbdir,
      storeNodeConfig({ ...STORE, 'event-history': [{ uri: STATE_PREFIX, match: 'prefix' }] }),
    );
    const first = await start(cbdir);
    for (let i = 1; i <= 3; i++) {
      await first.session.publish(`${STATE_PREFIX}door`, [i], {
        acknowledge: true,
        retain: true,
        kwargs: { open: i % 2 === 1 },
      });
    }
    const subscription = (await first.session.call('wamp.subscription.lookup', [STATE_PREFIX, { match: 'prefix' }]))
      .args[0] as number;
    await first.node.kill();

    const node = startNode(cbdir);
    running.push(node);
    const { session, connection } = await openAutobahn(await node.url);
    try {
      const retained = await new Promise<{ args: unknown[]; kwargs: unknown; details: Record<string, unknown> }>(
        (resolve, reject) => {
          session
            .subscribe(
              STATE_PREFIX,
              (args, kwargs, details) => resolve({ args: args ?? [], kwargs, details: details as never }),
              {
                match: 'prefix',
                get_retained: true,
              } as autobahn.ISubscribeOptions,
            )
            .then(undefined, reject);
        },
      );
      expect(retained).toMatchObject({ args: [3], kwargs: { open: true }, details: { retained: true } });
      const history = (await session.call('wamp.subscription.get_events', [subscription])) as Record<string, unknown>[];
      // In order of occurrence (the spec's call form, without a limit).
      expect(history.map((event) => [event.args, event.kwargs])).toEqual([
        [[1], { open: true }],
        [[2], { open: false }],
        [[3], { open: true }],
      ]);
    } finally {
      connection.close();
    }
  }, 30_000);

  it('refuses a second node on the same store at start, naming the store', async () => {
    const root = await tempDir();
    const store = { ...STORE, path: join(root, 'shared-store') };
    await writeNodeConfig(join(root, 'a'), storeNodeConfig(store));
    await writeNodeConfig(join(root, 'b'), storeNodeConfig(store));
    const first = await start(join(root, 'a'));
    await first.session.publish(LOG_TOPIC, [1], { acknowledge: true });

    const second = startNode(join(root, 'b'));
    running.push(second);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain(
      `realm store ${join(root, 'shared-store')} is in use by process ${first.node.child.pid}`,
    );
    // The first node is not disturbed.
    expect((await first.session.publish(LOG_TOPIC, [2], { acknowledge: true }))?.id).toBeTypeOf('number');
  }, 30_000);

  it.runIf(process.platform === 'linux')(
    'takes over a PID file and a store lock naming a live but unrelated process (a reused PID)',
    async () => {
      const cbdir = join(await tempDir(), 'node');
      await writeNodeConfig(cbdir, storeNodeConfig(STORE));
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(cbdir, 'store'));
      // The test runner is alive, but it did not start at the time these files record: a node
      // that was killed had this PID, and the kernel has given it to another process since.
      const stale = JSON.stringify({ pid: process.pid, started: '00000000-0000-0000-0000-000000000000:1' });
      await writeFile(join(cbdir, 'node.pid'), stale);
      await writeFile(join(cbdir, 'store', 'interchange.lock'), stale);
      const { node, session } = await start(cbdir);
      expect((await session.publish(LOG_TOPIC, [1], { acknowledge: true }))?.id).toBeTypeOf('number');
      const pidFile = JSON.parse(await readFile(join(cbdir, 'node.pid'), 'utf8')) as { pid: number; started: string };
      expect(pidFile.pid).toBe(node.child.pid);
      expect(pidFile.started).toMatch(/^[0-9a-f-]{36}:\d+$/);
      const lock = JSON.parse(await readFile(join(cbdir, 'store', 'interchange.lock'), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(node.child.pid);
    },
    30_000,
  );

  it('refuses a foreign or damaged store file at start with its name, and starts again once it is moved away', async () => {
    const cbdir = join(await tempDir(), 'node');
    await writeNodeConfig(cbdir, storeNodeConfig(STORE));
    const file = join(cbdir, 'store', 'data.mdb');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(cbdir, 'store'));
    await writeFile(file, Buffer.alloc(40_000, 0x5a));
    for (let attempt = 0; attempt < 2; attempt++) {
      const node = startNode(cbdir);
      running.push(node);
      // A clear error and exit code 1, the same at every start: not a crash (signal) loop.
      expect(await node.exited).toEqual({ code: 1, signal: null });
      expect(node.stderr()).toContain(`realm store file ${file} is not an Interchange realm store`);
    }
    const { rename } = await import('node:fs/promises');
    await rename(file, `${file}.bad`);
    const { session } = await start(cbdir);
    expect((await session.publish(LOG_TOPIC, [1], { acknowledge: true }))?.id).toBeTypeOf('number');
  }, 30_000);

  it('refuses a store file of another realm and a damaged record, naming the file', async () => {
    const root = await tempDir();
    const cbdir = join(root, 'node');
    await writeNodeConfig(cbdir, storeNodeConfig(STORE));
    const first = await start(cbdir);
    await first.session.publish(LOG_TOPIC, [MARKER], { acknowledge: true });
    await first.node.kill();

    // The same file under another realm's config.
    const other = join(root, 'other');
    const config = storeNodeConfig({ ...STORE, path: join(cbdir, 'store') });
    (config.workers as { realms: { name: string }[] }[])[0]!.realms[0]!.name = 'realm2';
    await writeNodeConfig(other, config);
    const node = startNode(other);
    running.push(node);
    expect((await node.exited).code).toBe(1);
    expect(node.stderr()).toContain(`realm store file ${join(cbdir, 'store', 'data.mdb')} belongs to realm 'realm1'`);

    // A record whose bytes were overwritten on disk (the file itself still LMDB).
    const file = join(cbdir, 'store', 'data.mdb');
    const bytes = await readFile(file);
    const marker = bytes.indexOf(Buffer.from(MARKER));
    expect(marker).toBeGreaterThan(0);
    const copy = join(root, 'copy');
    // Not the control socket the killed node left behind (it cannot be copied; a new node replaces it).
    await cp(cbdir, copy, { recursive: true, filter: (source) => !source.endsWith('.sock') });
    const damaged = Buffer.from(bytes);
    // 0xc1 is the one byte MessagePack never uses: the record cannot be read.
    damaged.fill(0xc1, marker - 1, marker + MARKER.length);
    await writeFile(join(copy, 'store', 'data.mdb'), damaged);
    const broken = startNode(copy);
    running.push(broken);
    expect(await broken.exited).toEqual({ code: 1, signal: null });
    expect(broken.stderr()).toContain(`realm store file ${join(copy, 'store', 'data.mdb')} is damaged`);
    expect((await stat(file)).size).toBeGreaterThan(0);
  }, 30_000);
});

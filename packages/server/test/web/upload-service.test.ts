/**
 * The `upload` path service, from a config in Crossbar's format, with requests as resumable.js
 * sends them: a GET to test each chunk, then a multipart POST with the resumable* fields (also in
 * the query), the file part last; progress events received by a WAMP subscriber.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Event, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RESUMABLE_FORM_FIELDS } from '../support/resumable-form-fields.js';

const TOPIC = 'com.example.upload.on_progress';

function nodeConfig(): Record<string, unknown> {
  return workerConfig(
    [
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          ws: { type: 'websocket' },
          upload: {
            type: 'upload',
            realm: 'realm1',
            role: 'uploader',
            directory: '../uploaded',
            temp_directory: '../uploaded/tmp',
            form_fields: RESUMABLE_FORM_FIELDS,
            options: { max_file_size: 10_000, file_permissions: '0640', file_types: ['.csv', '.bin', '.txt'] },
          },
        },
      },
    ],
    {
      realms: [
        {
          name: 'realm1',
          roles: [
            { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { subscribe: true } }] },
            {
              name: 'uploader',
              permissions: [{ uri: 'com.example.upload.', match: 'prefix', allow: { publish: true } }],
            },
          ],
        },
      ],
    },
  );
}

/** The chunks resumable.js makes (`forceChunkSize` false: the last chunk takes the remainder). */
function chunksOf(data: Buffer, chunkSize: number): Buffer[] {
  const count = Math.max(Math.floor(data.length / chunkSize), 1);
  return Array.from({ length: count }, (_, i) =>
    data.subarray(i * chunkSize, i === count - 1 ? data.length : (i + 1) * chunkSize),
  );
}

/** The parameters resumable.js sends with chunk `n` (1-based), plus the `query` option's. */
function paramsOf(
  name: string,
  data: Buffer,
  chunkSize: number,
  n: number,
  extra: Record<string, string>,
): Record<string, string> {
  const chunks = chunksOf(data, chunkSize);
  return {
    resumableChunkNumber: String(n),
    resumableChunkSize: String(chunkSize),
    resumableCurrentChunkSize: String(chunks[n - 1]!.length),
    resumableTotalSize: String(data.length),
    resumableType: 'text/csv',
    resumableIdentifier: `${data.length}-${name.replace(/[^0-9a-zA-Z_-]/g, '')}`,
    resumableFilename: name,
    resumableRelativePath: name,
    resumableTotalChunks: String(chunks.length),
    ...extra,
  };
}

/** resumable.js' test request for a chunk: 200 when the server has it. */
async function testChunk(base: string, params: Record<string, string>): Promise<number> {
  const response = await fetch(`${base}?${new URLSearchParams(params)}`);
  await response.arrayBuffer();
  return response.status;
}

/** resumable.js' upload of a chunk: the parameters in the query and the form, the file part last. */
async function postChunk(
  base: string,
  params: Record<string, string>,
  bytes: Buffer,
  fileName = 'blob',
): Promise<{ status: number; body: unknown }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) form.append(key, value);
  form.append('file', new Blob([new Uint8Array(bytes)]), fileName);
  const response = await fetch(`${base}?${new URLSearchParams(params)}`, { method: 'POST', body: form });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('upload path service', () => {
  let root: string;
  let cbdir: string;
  let node: InterchangeNode;
  let base: string;
  let subscriber: Session;
  const events: Event[] = [];
  const waiters: (() => void)[] = [];

  const start = async (): Promise<void> => {
    node = await InterchangeNode.start({ config: nodeConfig(), cbdir });
    base = `http://127.0.0.1:${node.addresses[0]!.port}/upload`;
    subscriber = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
    await subscriber.subscribe(TOPIC, (event) => {
      events.push(event);
      for (const wake of waiters.splice(0)) wake();
    });
  };
  const eventsUntilFinished = async (name: string): Promise<Record<string, unknown>[]> => {
    const mine = () => events.map((e) => e.args?.[0] as Record<string, unknown>).filter((p) => p.name === name);
    while (!mine().some((p) => p.status === 'finished')) await new Promise<void>((resolve) => waiters.push(resolve));
    return mine();
  };

  beforeAll(async () => {
    root = await tempDir();
    cbdir = join(root, '.crossbar');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(cbdir);
    await start();
  });

  afterAll(async () => {
    await subscriber?.leave().catch(() => undefined);
    await node?.stop();
  });

  it('a file in chunks sent in any order is joined into the directory, with progress events and file_permissions', async () => {
    const data = randomBytes(3500);
    const extra = { on_progress: TOPIC, chunk_extra: '{"batch":7}', finish_extra: '{"done":true}' };
    const params = (n: number) => paramsOf('data.csv', data, 1000, n, extra);
    const chunks = chunksOf(data, 1000);
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 1500]);
    expect(await testChunk(base, params(1))).toBe(404);
    expect(await postChunk(base, params(3), chunks[2]!)).toEqual({ status: 200, body: { status: 'chunk received' } });
    expect(await testChunk(base, params(3))).toBe(200);
    const answers = await Promise.all([postChunk(base, params(1), chunks[0]!), postChunk(base, params(2), chunks[1]!)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body)).toContainEqual({ status: 'file received', name: 'data.csv' });

    const file = join(root, 'uploaded', 'data.csv');
    expect((await readFile(file)).equals(data)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(join(root, 'uploaded', 'tmp'))).toEqual(['.incoming']);
    expect(await readdir(join(root, 'uploaded', 'tmp', '.incoming'))).toEqual([]);

    const seen = await eventsUntilFinished('data.csv');
    expect(seen[0]).toEqual({
      id: 'data.csv',
      chunk: 3,
      name: 'data.csv',
      total: 3500,
      remaining: 3500,
      status: 'started',
      progress: 0,
      chunk_extra: { batch: 7 },
    });
    expect(seen.filter((p) => p.status === 'progress').map((p) => p.remaining)).toEqual([2000, 1000, 0]);
    expect(seen.at(-1)).toMatchObject({
      status: 'finished',
      remaining: 0,
      progress: 1,
      finish_extra: { done: true },
      total: 3500,
    });
  });

  it('progress events go only to the session named in the session field', async () => {
    const other = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
    const otherEvents: Event[] = [];
    await other.subscribe(TOPIC, (event) => {
      otherEvents.push(event);
    });
    const data = Buffer.from('a,b\n1,2\n');
    const params = paramsOf('mine.csv', data, 1000, 1, { on_progress: TOPIC, session: String(subscriber.id) });
    expect((await postChunk(base, params, data)).status).toBe(200);
    const seen = await eventsUntilFinished('mine.csv');
    expect(seen.map((p) => p.status)).toEqual(['started', 'finished']);
    // A publication the other session was eligible for would have arrived before this one.
    const probe = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
    await probe.leave();
    expect(otherEvents).toEqual([]);
    await other.leave();
  });

  it('an upload interrupted by a node restart resumes: the stored chunks test 200 and are not sent again', async () => {
    const data = randomBytes(2000);
    const params = (n: number) => paramsOf('resume.bin', data, 1000, n, { on_progress: TOPIC });
    const chunks = chunksOf(data, 1000);
    expect((await postChunk(base, params(1), chunks[0]!)).status).toBe(200);
    await subscriber.leave();
    await node.stop();
    await start();
    expect(await testChunk(base, params(1))).toBe(200);
    expect(await testChunk(base, params(2))).toBe(404);
    expect((await postChunk(base, params(2), chunks[1]!)).body).toEqual({
      status: 'file received',
      name: 'resume.bin',
    });
    expect((await readFile(join(root, 'uploaded', 'resume.bin'))).equals(data)).toBe(true);
  });

  it.each(['../evil.txt', '..', 'sub/evil.txt', 'sub\\evil.txt', '/etc/evil.txt', '.'])(
    'a file name with a directory part (%s) is refused and nothing is written',
    async (name) => {
      const data = Buffer.from('x');
      const answer = await postChunk(base, paramsOf(name, data, 1000, 1, {}), data);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'invalid file name: a plain name without a directory part is expected' });
      expect((await readdir(root)).sort()).toEqual(['.crossbar', 'uploaded']);
    },
  );

  it('a file larger than max_file_size is refused with 413, by its declared size and by its content', async () => {
    const big = Buffer.alloc(10_001);
    const declared = await postChunk(base, paramsOf('big.csv', big, 20_000, 1, {}), big.subarray(0, 10));
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({ error: 'size 10001 of the file exceeds max_file_size (10000 bytes)' });
    const small = Buffer.alloc(10);
    const lying = await postChunk(base, paramsOf('lying.csv', small, 1000, 1, {}), Buffer.alloc(10_001));
    expect(lying.status).toBe(413);
    const overflow = await postChunk(base, paramsOf('overflow.csv', small, 1000, 1, {}), Buffer.alloc(500));
    expect(overflow).toEqual({
      status: 413,
      body: { error: "the chunks add up to more than the file's total size (10 bytes)" },
    });
    const names = await readdir(join(root, 'uploaded'));
    expect(names.filter((n) => /big|lying|overflow/.test(n))).toEqual([]);
  });

  it('a file type outside file_types is refused with 415', async () => {
    const data = Buffer.from('MZ');
    const answer = await postChunk(base, paramsOf('tool.exe', data, 1000, 1, {}), data);
    expect(answer).toEqual({
      status: 415,
      body: { error: 'file type ".exe" is not allowed (allowed: .csv, .bin, .txt)' },
    });
  });

  it('malformed requests get 400 with a JSON body', async () => {
    const missing = await fetch(`${base}?resumableFilename=a.csv`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'missing query parameter "resumableChunkNumber"' });
    const data = Buffer.from('x');
    const badNumber = await postChunk(
      base,
      { ...paramsOf('n.csv', data, 1000, 1, {}), resumableChunkNumber: '7' },
      data,
    );
    expect(badNumber).toEqual({
      status: 400,
      body: { error: 'form field "resumableChunkNumber": expected an integer 1..1' },
    });
    const notMultipart = await fetch(base, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(notMultipart.status).toBe(415);
    const put = await fetch(base, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
  });
});

/**
 * The split browser build of @interchange/client (packages/client/dist/browser/esm, built by
 * `npm run build`) in Chromium against a real node: a page that imports only the core entry
 * point speaks JSON over WebSocket and downloads no opt-in entry, and says which import is
 * missing when asked for CBOR; a page that adds the cbor and auth/wampcra entries joins with
 * WAMP-CRA over CBOR; a third adds msgpack, long-poll, meta, cryptosign and SCRAM. Issue 16.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, cryptosignPublicKey, deriveScramCredential, hexToBytes } from '@interchange/protocol';
import { InterchangeNode } from '@interchange/server';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerConfig } from './support/config-node.js';

const browserBuild = fileURLToPath(new URL('../../packages/client/dist/browser/', import.meta.url));

const permissions = [
  {
    uri: 'com.example.',
    match: 'prefix',
    allow: { call: true, register: true, publish: true, subscribe: true },
    disclose: { caller: false, publisher: false },
    cache: true,
  },
];

/** Reports `run()`'s outcome, or its error, as JSON in #result. */
const report = `
  const show = (out) => { document.getElementById('result').textContent = JSON.stringify(out); };
  run().then(show, (error) => show({ error: String((error && error.stack) || error) }));
`;

const corePage = `<!doctype html>
<p id="result">loading</p>
<script type="module">
  import { connect } from '/lib/esm/core.js';
  const url = 'ws://' + location.host + '/ws';
  async function run() {
    const out = {};
    try {
      await connect({ url, realm: 'realm1', serializers: ['cbor'] });
    } catch (error) {
      out.cborError = error.message;
    }
    const session = await connect({ url, realm: 'realm1' });
    await session.register('com.example.add2', ({ args }) => args[0] + args[1]);
    out.sum = (await session.call('com.example.add2', [2, 3])).args[0];
    let heard;
    const event = new Promise((resolve) => { heard = resolve; });
    await session.subscribe('com.example.hello', (e) => heard(e.args[0]));
    await session.publish('com.example.hello', ['hi'], { acknowledge: true, exclude_me: false });
    out.event = await event;
    out.serializer = session.transport.serializer;
    out.authmethod = session.details.authmethod;
    await session.leave();
    return out;
  }
  ${report}
</script>
`;

const craPage = `<!doctype html>
<p id="result">loading</p>
<script type="module">
  import { autobahn, connect } from '/lib/esm/core.js';
  import '/lib/esm/cbor.js';
  import { auth_cra } from '/lib/esm/auth-wampcra.js';
  const url = 'ws://' + location.host + '/cra';
  async function run() {
    const out = {};
    const session = await connect({
      url,
      realm: 'realm1',
      serializers: ['cbor'],
      auth: { wampcra: { authid: 'joe', secret: 'secret1' } },
    });
    await session.register('com.example.bytes', ({ args }) => args[0].length);
    out.length = (await session.call('com.example.bytes', [new Uint8Array([1, 2, 3, 4])])).args[0];
    out.serializer = session.transport.serializer;
    out.authmethod = session.details.authmethod;
    out.authid = session.details.authid;
    await session.leave();
    // The Autobahn-compatible way: an onchallenge handler signing with auth_cra.
    out.autobahn = await new Promise((resolve) => {
      const connection = new autobahn.Connection({
        url,
        realm: 'realm1',
        authmethods: ['wampcra'],
        authid: 'joe',
        onchallenge: (session, method, extra) => auth_cra.sign('secret1', extra.challenge),
      });
      connection.onopen = (session, details) => {
        resolve(details.authmethod + ' ' + details.authid);
        connection.close();
      };
      connection.onclose = (reason) => { resolve('closed: ' + reason); };
      connection.open();
    });
    return out;
  }
  ${report}
</script>
`;

const seed = '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510';

const morePage = `<!doctype html>
<p id="result">loading</p>
<script type="module">
  import { connect } from '/lib/esm/core.js';
  import '/lib/esm/msgpack.js';
  import '/lib/esm/longpoll.js';
  import '/lib/esm/meta.js';
  import '/lib/esm/auth-cryptosign.js';
  import '/lib/esm/auth-scram.js';
  const host = location.host;
  async function roundTrip(session) {
    const procedure = 'com.example.echo' + session.id;
    await session.register(procedure, ({ args }) => args[0]);
    return (await session.call(procedure, ['echo'])).args[0];
  }
  async function run() {
    const out = {};
    let session = await connect({ url: 'ws://' + host + '/ws', realm: 'realm1', serializers: ['msgpack'] });
    out.msgpack = [session.transport.serializer, await roundTrip(session)];
    await session.leave();
    session = await connect({ url: 'http://' + host + '/lp', realm: 'realm1' });
    out.longpoll = [session.transport.type, await roundTrip(session)];
    await session.leave();
    session = await connect({ url: 'ws://' + host + '/strong', realm: 'realm1', auth: { cryptosign: { authid: 'device01', privateKey: '${seed}' } } });
    out.cryptosign = [session.details.authmethod, session.details.authid, await roundTrip(session)];
    out.meta = (await session.meta.sessions.list()).includes(session.id);
    await session.leave();
    session = await connect({ url: 'ws://' + host + '/strong', realm: 'realm1', auth: { scram: { authid: 'carol', password: 'carol-password' } } });
    out.scram = [session.details.authmethod, session.details.authid, await roundTrip(session)];
    await session.leave();
    return out;
  }
  ${report}
</script>
`;

describe('split browser build in Chromium against a node', () => {
  let node: InterchangeNode;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-client-entries-'));
    const pages = join(cbdir, 'pages');
    await mkdir(pages);
    await writeFile(join(pages, 'core.html'), corePage);
    await writeFile(join(pages, 'cra.html'), craPage);
    await writeFile(join(pages, 'more.html'), morePage);
    const devicePublicKey = bytesToHex(cryptosignPublicKey(hexToBytes(seed) as Uint8Array));
    const carol = await deriveScramCredential('carol-password', { kdf: 'argon2id13', iterations: 2, memory: 1024 });
    const config = routerConfig(
      [
        {
          name: 'realm1',
          roles: [
            { name: 'anonymous', permissions },
            { name: 'user', permissions: [{ uri: '', match: 'prefix', allow: permissions[0]?.allow }] },
          ],
        },
      ],
      [
        {
          type: 'web',
          endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
          paths: {
            '/': { type: 'static', directory: pages },
            lib: { type: 'static', directory: browserBuild },
            ws: { type: 'websocket', serializers: ['json', 'cbor', 'msgpack'] },
            lp: { type: 'longpoll' },
            strong: {
              type: 'websocket',
              auth: {
                cryptosign: {
                  type: 'static',
                  principals: { device01: { authorized_keys: [devicePublicKey], role: 'user' } },
                },
                scram: { type: 'static', principals: { carol: { ...carol, role: 'user' } } },
              },
            },
            cra: {
              type: 'websocket',
              serializers: ['json', 'cbor'],
              auth: { wampcra: { type: 'static', users: { joe: { secret: 'secret1', role: 'user' } } } },
            },
          },
        },
      ],
    );
    node = await InterchangeNode.start({ config, cbdir });
    baseUrl = `http://127.0.0.1:${node.addresses[0]?.port}/`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('runs a page on the core entry alone: JSON, no opt-in entry fetched, a clear error for cbor', async () => {
    const page = await browser.newPage();
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto(`${baseUrl}core.html`);
    await page.locator('#result:not(:text("loading"))').waitFor();
    const result = JSON.parse((await page.textContent('#result')) ?? '{}');
    expect(result).toMatchObject({ sum: 5, event: 'hi', serializer: 'json', authmethod: 'anonymous' });
    expect(result.cborError).toContain("import '@interchange/client/cbor'");
    expect(scripts).toContain('/lib/esm/core.js');
    for (const entry of ['cbor', 'msgpack', 'longpoll', 'meta', 'auth-wampcra', 'auth-cryptosign', 'auth-scram']) {
      expect(scripts).not.toContain(`/lib/esm/${entry}.js`);
    }
  });

  it('runs a page that adds the cbor and auth/wampcra entries: WAMP-CRA over CBOR', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}cra.html`);
    await page.locator('#result:not(:text("loading"))').waitFor();
    const result = JSON.parse((await page.textContent('#result')) ?? '{}');
    expect(result).toEqual({
      length: 4,
      serializer: 'cbor',
      authmethod: 'wampcra',
      authid: 'joe',
      autobahn: 'wampcra joe',
    });
  });

  it('runs a page with msgpack, long-poll, meta, cryptosign and scram entries', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}more.html`);
    await page.locator('#result:not(:text("loading"))').waitFor();
    const result = JSON.parse((await page.textContent('#result')) ?? '{}');
    expect(result).toEqual({
      msgpack: ['msgpack', 'echo'],
      longpoll: ['longpoll', 'echo'],
      cryptosign: ['cryptosign', 'device01', 'echo'],
      meta: true,
      scram: ['wamp-scram', 'carol', 'echo'],
    });
  });
});

// Measures what each entry point of @interchange/client costs a page: every entry is bundled
// with esbuild the way scripts/bundle.mjs builds the browser files (minified, es2022, browser
// platform, then minified again by terser: scripts/minify.mjs), and its raw, gzip (level 9) and brotli (quality 11) sizes are taken. Opt-in entries
// are measured together with the core, as a page loads them, and as the increment over it. The
// votes demo's JavaScript is its two script files. Autobahn|JS's browser build (npm
// autobahn-browser) and wampy's (npm wampy) are measured from their published files.
//
//   node scripts/size-report.mjs          prints the table
//   node scripts/size-report.mjs --write  also writes bench/results/client-size.{json,md} and the
//                                         "Client size" section of BENCHMARKS.md
//
// test/bundle-size.test.ts holds the budgets, using measureEntry() from here.

import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { minifyBundle } from './minify.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = join(packageDir, '..', '..');

/** The budgets test/bundle-size.test.ts enforces, in bytes gzipped (level 9). */
export const SIZE_BUDGETS = {
  /**
   * The core entry point, with all its exports (typed API, Autobahn namespace). Issue 16 asks for
   * 15,000; this budget holds today's size (20,178) with a little room, to catch growth; the
   * breakdown in BENCHMARKS.md ("where the core's bytes go") shows what the rest is.
   */
  core: 20_500,
  /** The votes page: interchange-core.min.js and votes.js, as the browser fetches them. */
  votesPage: 25_000,
};

/** Sizes of one piece of JavaScript. */
export function sizesOf(code) {
  const bytes = typeof code === 'string' ? Buffer.from(code) : code;
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

/** Bundles `contents` (TypeScript, resolved from the package) as scripts/bundle.mjs does, in memory. */
export async function bundleSource(contents, format = 'esm') {
  const result = await build({
    stdin: { contents, resolveDir: packageDir, sourcefile: 'size-entry.ts', loader: 'ts' },
    absWorkingDir: packageDir,
    bundle: true,
    platform: 'browser',
    target: ['es2022'],
    conditions: ['source'],
    external: ['ws', 'node:*'],
    format,
    minify: true,
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // The files that put code into the bundle (the metafile also lists those tree-shaken away).
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
    .map(([path]) => path);
  const { code } = await minifyBundle(result.outputFiles[0]?.text ?? '', { format });
  return { code: Buffer.from(code), inputs };
}

/** Sizes of a bundle that re-exports everything of the given package entry points. */
export async function measureEntry(...specifiers) {
  const { code, inputs } = await bundleSource(specifiers.map((s) => `export * from '${s}';`).join('\n'));
  return { ...sizesOf(code), inputs };
}

/** Sizes of the votes page's JavaScript: each script it loads, compressed on its own, summed. */
export async function measureVotesPage() {
  const html = await readFile(join(repoDir, 'examples/votes/web/index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
  const total = { raw: 0, gzip: 0, brotli: 0, scripts };
  for (const src of scripts) {
    // lib/ is the client's dist/browser (examples/votes/.interchange/config.json); the core
    // build is bundled here fresh from the sources, as scripts/bundle.mjs writes it.
    const code = src.startsWith('lib/')
      ? (await bundleSource(await browserEntrySource(src.slice(4)), 'iife')).code
      : await readFile(join(repoDir, 'examples/votes/web', src));
    const sizes = sizesOf(code);
    total.raw += sizes.raw;
    total.gzip += sizes.gzip;
    total.brotli += sizes.brotli;
  }
  return total;
}

/** The source of one IIFE browser build, by its file name in dist/browser. */
async function browserEntrySource(file) {
  const entry = { 'interchange-core.min.js': 'browser-core-global.ts', 'interchange.min.js': 'browser-global.ts' }[
    file
  ];
  if (entry === undefined) throw new Error(`the votes page loads ${file}, which size-report.mjs does not know`);
  return readFile(join(packageDir, 'src', entry), 'utf8').then(
    () => `import './src/${entry.replace(/\.ts$/, '.js')}';`,
  );
}

/** The package.json of an installed package (hoisted to the root, or in this package). */
async function packageManifest(pkg) {
  for (const dir of [packageDir, repoDir]) {
    const manifest = join(dir, 'node_modules', pkg, 'package.json');
    try {
      await access(manifest);
      return manifest;
    } catch {}
  }
  throw new Error(`${pkg} is not installed: npm install`);
}

const OPT_IN = ['msgpack', 'cbor', 'longpoll', 'meta', 'auth/wampcra', 'auth/cryptosign', 'auth/scram'];

async function report() {
  const rows = [];
  const core = await measureEntry('@interchange/client/core');
  rows.push({ name: '`@interchange/client/core` (WebSocket, JSON, typed API, `autobahn`)', ...core });
  // What a bundler keeps of the core when a page imports less than all of it (the package's
  // sideEffects field lets it drop the rest).
  for (const [name, names] of [
    ['core, tree-shaken: `connect`', 'connect'],
    ['core, tree-shaken: `Session`, `connectWebSocket`', 'Session, connectWebSocket'],
  ]) {
    const { code } = await bundleSource(`export { ${names} } from '@interchange/client/core';`);
    rows.push({ name, ...sizesOf(code) });
  }
  // Where the core's bytes go: the core built up from its parts, each row adding one (from the
  // sources, so each row is what a bundler keeps for a page importing those names).
  const parts = [];
  for (const [name, contents] of [
    ['`Session` (the session and its four roles)', "export { Session } from './src/session.js';"],
    [
      '+ WebSocket transport, JSON (`connectWebSocket`)',
      "export { Session, connectWebSocket } from './src/api-core.js';",
    ],
    [
      '+ `connect`, `Connection` (transport lists, reconnect, resubscribe)',
      "export { Session, connectWebSocket, connect, Connection } from './src/api-core.js';",
    ],
    ['+ the rest of the typed API (errors, registries, ...)', "export * from './src/api-core.js';"],
    ['+ the `autobahn` namespace = the core entry point', "export * from './src/core.js';"],
  ]) {
    const { code } = await bundleSource(contents);
    const sizes = sizesOf(code);
    const before = parts.at(-1);
    parts.push({
      name,
      ...sizes,
      ...(before === undefined
        ? {}
        : {
            increment: {
              raw: sizes.raw - before.raw,
              gzip: sizes.gzip - before.gzip,
              brotli: sizes.brotli - before.brotli,
            },
          }),
    });
  }
  for (const entry of OPT_IN) {
    const both = await measureEntry('@interchange/client/core', `@interchange/client/${entry}`);
    rows.push({
      name: `core + \`/${entry}\``,
      ...both,
      increment: { raw: both.raw - core.raw, gzip: both.gzip - core.gzip, brotli: both.brotli - core.brotli },
    });
  }
  rows.push({ name: '`@interchange/client` (everything)', ...(await measureEntry('@interchange/client')) });
  for (const [name, entry] of [
    ['`interchange-core.min.js` (script tag, core)', 'browser-core-global.js'],
    ['`interchange.min.js` (script tag, everything)', 'browser-global.js'],
  ]) {
    rows.push({ name, ...sizesOf((await bundleSource(`import './src/${entry}';`, 'iife')).code) });
  }
  const votes = await measureVotesPage();
  rows.push({ name: `votes page (${votes.scripts.join(' + ')})`, ...votes });
  const peers = [];
  for (const [name, pkg, file] of [
    ['Autobahn\\|JS `autobahn.min.js`', 'autobahn-browser', 'autobahn.min.js'],
    ['wampy `wampy.min.js` (JSON)', 'wampy', 'dist/browser/wampy.min.js'],
    ['wampy `wampy-all.min.js` (all serializers, auth)', 'wampy', 'dist/browser/wampy-all.min.js'],
  ]) {
    const manifest = await packageManifest(pkg);
    const { version } = JSON.parse(await readFile(manifest, 'utf8'));
    peers.push({ name: `${name} ${version}`, ...sizesOf(await readFile(join(dirname(manifest), file))) });
  }
  return { rows, parts, peers };
}

function markdown({ rows, parts, peers }) {
  const n = (v) => v.toLocaleString('en-US');
  const line = (r) =>
    `| ${r.name} | ${n(r.raw)} | ${n(r.gzip)} | ${n(r.brotli)} | ${r.increment === undefined ? '' : `+${n(r.increment.gzip)}`} |`;
  const core = rows[0];
  const votes = rows.find((r) => r.name.startsWith('votes page'));
  return `<!-- client-size: generated by \`npm run size -w @interchange/client -- --write\` (packages/client/scripts/size-report.mjs) -->
## Client size

What a page downloads, in bytes: each entry point of \`@interchange/client\` bundled with esbuild
(minified, es2022), gzip level 9 and brotli quality 11. Opt-in entries are measured with the core,
as a page loads them; the last column is what they add (gzip). The tree-shaken rows are what a
bundler keeps of the core for a page that imports only those names. Node ${process.version}.

| bundle | raw | gzip | brotli | adds (gzip) |
|---|---:|---:|---:|---:|
${rows.map(line).join('\n')}
${peers.map(line).join('\n')}

Budgets (packages/client/test/bundle-size.test.ts): the votes page at most ${n(SIZE_BUDGETS.votesPage)} B gzipped
(now ${n(votes.gzip)}: met); the core at most ${n(SIZE_BUDGETS.core)} B (now ${n(core.gzip)}; 22,814 before the
work of issue 16's second part, which also added \`resubscribe\` to \`Connection\`). Issue 16 asks for a
core of 15,000 B: not met. Where the core's bytes go, built up from its parts (each row adds one;
the last column is what it adds, gzip):

| part | raw | gzip | brotli | adds (gzip) |
|---|---:|---:|---:|---:|
${parts.map(line).join('\n')}

The session with its caller, callee, publisher and subscriber and their advanced features
(progressive results and invocations, canceling, timeouts, passthru, pattern matches) is most
of it on its own; the JSON codec is the small one of \`@interchange/protocol\`
(message-codec-lite.ts), which checks the types of a router's messages and not every rule a
router checks. Reaching 15,000 B means a session whose advanced features are composed in from
separate modules, and an \`autobahn\` namespace outside the core, which the core's contract
(issue 16: "the typed API and the Autobahn-compatible surface") does not allow today.
<!-- /client-size -->
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await report();
  const md = markdown(result);
  process.stdout.write(md);
  if (process.argv.includes('--write')) {
    const strip = ({ inputs, ...rest }) => rest;
    await writeFile(
      join(repoDir, 'bench/results/client-size.json'),
      `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows: result.rows.map(strip), peers: result.peers }, null, 2)}\n`,
    );
    await writeFile(join(repoDir, 'bench/results/client-size.md'), md);
    const benchmarks = join(repoDir, 'BENCHMARKS.md');
    const text = await readFile(benchmarks, 'utf8');
    const block = /<!-- client-size:[\s\S]*?<!-- \/client-size -->\n/;
    const updated = block.test(text)
      ? text.replace(block, md)
      : text.replace('## The generator', `${md}\n## The generator`);
    await writeFile(benchmarks, updated);
  }
}

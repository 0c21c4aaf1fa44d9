// Builds the browser bundles of @interchange/client with esbuild:
//   dist/browser/interchange.min.js  minified IIFE: globalThis.interchange (typed API) and
//                                    globalThis.autobahn (the Autobahn|JS-compatible namespace)
//   dist/browser/interchange.esm.js  minified ES module: the typed API plus `autobahn`
//   dist/browser/interchange-core.min.js  minified IIFE of the core entry point (src/core.ts):
//                                    WebSocket and JSON only, same two globals
//   dist/browser/esm/*.js            minified ES modules of each entry point that works in a
//                                    browser (core, msgpack, cbor, longpoll, meta, auth/*), sharing
//                                    chunks, so a page imports core.js and only the extras it uses
// Each output file is then minified again by terser (scripts/minify.mjs says why), its source map
// carried through so that it still points at the TypeScript sources.
// Sources are bundled through the `source` export condition, so this needs no prior tsc build.
// `ws` stays external: the WebSocket transport imports it dynamically and only when
// globalThis.WebSocket is missing, which never happens in a browser. The RawSocket transport's
// Node socket opener (node:net, node:tls) is swapped for its browser stand-in by the package's
// `browser` field, so the bundles hold no node:* import at all; the checks below make sure.

import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { minifyBundle } from './minify.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

const common = {
  absWorkingDir: packageDir,
  bundle: true,
  platform: 'browser',
  target: ['es2022'],
  conditions: ['source'],
  external: ['ws', 'node:*'],
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
};

/** The entry points of the split ES module build, as `dist/browser/esm/<name>.js`. */
export const BROWSER_ENTRY_POINTS = {
  core: 'src/core.ts',
  msgpack: 'src/entry-msgpack.ts',
  cbor: 'src/entry-cbor.ts',
  longpoll: 'src/entry-longpoll.ts',
  meta: 'src/entry-meta.ts',
  'auth-wampcra': 'src/entry-auth-wampcra.ts',
  'auth-cryptosign': 'src/entry-auth-cryptosign.ts',
  'auth-scram': 'src/entry-auth-scram.ts',
};

const outputs = [
  { entryPoints: ['src/browser-global.ts'], format: 'iife', outfile: 'dist/browser/interchange.min.js' },
  { entryPoints: ['src/browser.ts'], format: 'esm', outfile: 'dist/browser/interchange.esm.js' },
  { entryPoints: ['src/browser-core-global.ts'], format: 'iife', outfile: 'dist/browser/interchange-core.min.js' },
  {
    entryPoints: BROWSER_ENTRY_POINTS,
    format: 'esm',
    splitting: true,
    outdir: 'dist/browser/esm',
    chunkNames: 'chunk-[hash]',
  },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await rm(new URL('../dist/browser/esm', import.meta.url), { recursive: true, force: true });
  for (const output of outputs) await buildOne(output);
}

async function buildOne(output) {
  const result = await build({ ...common, ...output, metafile: true });
  const name = output.outfile ?? output.outdir;
  const inputs = Object.keys(result.metafile.inputs);
  if (inputs.some((path) => /(^|\/)node_modules\/ws\//.test(path))) {
    throw new Error(`${name} must not contain the ws package`);
  }
  if (inputs.some((path) => path.endsWith('src/rawsocket-socket.ts'))) {
    throw new Error(`${name} must use the browser stand-in of rawsocket-socket.ts`);
  }
  for (const file of Object.keys(result.metafile.outputs).filter((path) => path.endsWith('.js'))) {
    const code = await minifyAgain(join(packageDir, file), output.format);
    if (/["'`]node:(net|tls)["'`]/.test(code)) throw new Error(`${file} must not import node:net or node:tls`);
    if (output.outfile !== undefined) {
      const { size } = await stat(join(packageDir, file));
      process.stdout.write(`${file}: ${(size / 1024).toFixed(1)} KiB\n`);
    }
  }
  if (output.outdir !== undefined)
    process.stdout.write(`${output.outdir}/: ${Object.keys(output.entryPoints).join(', ')}\n`);
}

/** Runs the terser pass over one written output file and its source map, in place. */
async function minifyAgain(path, format) {
  const map = await readFile(`${path}.map`, 'utf8');
  const result = await minifyBundle(await readFile(path, 'utf8'), { format, map, mapUrl: `${basename(path)}.map` });
  await writeFile(path, `${result.code}\n`);
  if (result.map !== undefined) await writeFile(`${path}.map`, result.map);
  return result.code;
}

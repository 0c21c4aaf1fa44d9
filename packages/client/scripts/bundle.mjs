// Builds the browser bundles of @interchange/client with esbuild:
//   dist/browser/interchange.min.js  minified IIFE: globalThis.interchange (typed API) and
//                                    globalThis.autobahn (the Autobahn|JS-compatible namespace)
//   dist/browser/interchange.esm.js  minified ES module: the typed API plus `autobahn`
// Sources are bundled through the `source` export condition, so this needs no prior tsc build.
// `ws` stays external: the WebSocket transport imports it dynamically and only when
// globalThis.WebSocket is missing, which never happens in a browser. The RawSocket transport's
// Node socket opener (node:net, node:tls) is swapped for its browser stand-in by the package's
// `browser` field, so the bundles hold no node:* import at all; the checks below make sure.

import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

const outputs = [
  { entryPoints: ['src/browser-global.ts'], format: 'iife', outfile: 'dist/browser/interchange.min.js' },
  { entryPoints: ['src/browser.ts'], format: 'esm', outfile: 'dist/browser/interchange.esm.js' },
];

for (const output of outputs) {
  const result = await build({ ...common, ...output, metafile: true });
  const inputs = Object.keys(result.metafile.inputs);
  if (inputs.some((path) => /(^|\/)node_modules\/ws\//.test(path))) {
    throw new Error(`${output.outfile} must not contain the ws package`);
  }
  if (inputs.some((path) => path.endsWith('src/rawsocket-socket.ts'))) {
    throw new Error(`${output.outfile} must use the browser stand-in of rawsocket-socket.ts`);
  }
  const code = await readFile(new URL(`../${output.outfile}`, import.meta.url), 'utf8');
  if (/["'`]node:(net|tls)["'`]/.test(code)) throw new Error(`${output.outfile} must not import node:net or node:tls`);
  const { size } = await stat(new URL(`../${output.outfile}`, import.meta.url));
  process.stdout.write(`${output.outfile}: ${(size / 1024).toFixed(1)} KiB\n`);
}

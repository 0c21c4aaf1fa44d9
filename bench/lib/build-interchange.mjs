/**
 * Builds the Interchange server into one ES module per variant with esbuild, from the TypeScript
 * sources (so the bench measures the working tree, not a possibly stale dist/ build):
 *
 * - `interchange`: the working tree as it is;
 * - `interchange-baseline`: the same tree with the server's WebSocket transport files taken from
 *   an earlier commit (`git show`), so one run compares the transport before and after with the
 *   same router core.
 *
 * npm dependencies stay outside the bundle, imported by absolute path from where each package
 * resolves them (protocol and the root may hold different versions of the same library).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The files the baseline takes from its commit: the hot path of the WebSocket transport. */
export const BASELINE_FILES = [
  'packages/server/src/transports/websocket-connection.ts',
  'packages/server/src/transports/frame-cache.ts',
];

/** The commit before issue 6's transport work (the server's first version). */
export const DEFAULT_BASELINE_REF = '0ed1c48b9d8c4e579e8e7012d844217bb76bf533';

const WORKSPACE = /^@interchange\/(protocol|router|client|server)$/;

function interchangePlugin(root, overlay) {
  return {
    name: 'interchange-sources',
    setup(b) {
      b.onResolve({ filter: WORKSPACE }, (args) => ({
        path: join(root, 'packages', args.path.split('/')[1], 'src', 'index.ts'),
      }));
      // Bare imports (npm packages, node builtins) stay external, resolved from the importer.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.resolving || WORKSPACE.test(args.path)) return undefined;
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: { resolving: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.external ? args.path : resolved.path, external: true };
      });
      if (overlay !== undefined) {
        b.onLoad({ filter: /\.ts$/ }, (args) => {
          const contents = overlay.get(args.path);
          return contents === undefined ? undefined : { contents, loader: 'ts', resolveDir: join(args.path, '..') };
        });
      }
    },
  };
}

/**
 * Builds a variant; returns the path of the module to import.
 * @param {{ root: string, outDir: string, name: string, baselineRef?: string }} options
 */
export async function buildInterchange({ root, outDir, name, baselineRef }) {
  let overlay;
  if (baselineRef !== undefined) {
    overlay = new Map();
    for (const file of BASELINE_FILES) {
      const contents = execFileSync('git', ['-C', root, 'show', `${baselineRef}:${file}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      overlay.set(join(root, file), contents);
    }
  }
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(root, 'packages/server/src/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Readable names in CPU profiles. (Not keepNames: its helper runs each time a closure is
    // created, which would charge the router for the bundler.)
    minify: false,
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [interchangePlugin(root, overlay)],
  });
  return outfile;
}

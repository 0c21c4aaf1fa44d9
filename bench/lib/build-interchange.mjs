/**
 * Builds the Interchange server into one ES module per variant with esbuild, from the TypeScript
 * sources (so the bench measures the working tree, not a possibly stale dist/ build):
 *
 * - `interchange`: the working tree as it is;
 * - `interchange-baseline`: source files taken from an earlier commit (`git show`) in place of the
 *   working tree's: by default every package's sources, i.e. Interchange as it was at the commit
 *   before issue 6's second round of transport work; `--baseline REF --baseline-files a,b` picks
 *   other files (or folders) and commit, so one run compares those files before and after with
 *   everything else equal.
 *
 * npm dependencies stay outside the bundle, imported by absolute path from where each package
 * resolves them (protocol and the root may hold different versions of the same library).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * The files the baseline takes from its commit by default: the sources of every package, so the
 * baseline is Interchange as it was at that commit, built with today's npm dependencies.
 *
 * It used to be the WebSocket transport and the message decoder only, where the second round of
 * issue 6's hot-path work went, on today's tree; 465 commits later today's serializers import
 * from the decoder what its old version lacks, and the build failed. A whole tree is coherent by
 * construction and builds as long as its npm dependencies still resolve; a file from an older
 * commit paired with today's neighbours may not be, so narrower baselines (`--baseline-files`)
 * suit recent commits only.
 */
export const BASELINE_FILES = [
  'packages/protocol/src',
  'packages/router/src',
  'packages/server/src',
  'packages/client/src',
];

function git(root, args) {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The contents of `paths` (files, or folders: every file under them) at commit `ref`, by
 * absolute path. Throws when a path is not in that commit.
 */
function filesAt(root, ref, paths) {
  const listed = git(root, ['ls-tree', '-r', '--name-only', ref, '--', ...paths])
    .split('\n')
    .filter(Boolean);
  for (const path of paths) {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    if (!listed.some((file) => file === path || file.startsWith(prefix)))
      throw new Error(`${path} is not in commit ${ref}`);
  }
  const overlay = new Map();
  for (const file of listed) overlay.set(join(root, file), git(root, ['show', `${ref}:${file}`]));
  return overlay;
}

/**
 * Whether Interchange at `ref` has the MQTT transport (packages/server/src/mqtt): the default
 * baseline predates it, so a run's mqtt cells leave such a baseline out.
 */
export function baselineHasMqtt(root, ref) {
  try {
    return git(root, ['ls-tree', '--name-only', ref, '--', 'packages/server/src/mqtt']).trim() !== '';
  } catch {
    return false;
  }
}

/** The commit before that work: the end of issue 6's first round (tick flusher, frame cache, trie). */
export const DEFAULT_BASELINE_REF = '3c1e3632484831c2365625a21f50421df1652bc6';

const WORKSPACE = /^@interchange\/(protocol|router|client|server)$/;
const WORKSPACE_SUBPATH = /^@interchange\/(protocol|router|client|server)\/(.+)$/;

function interchangePlugin(root, overlay) {
  return {
    name: 'interchange-sources',
    setup(b) {
      b.onResolve({ filter: WORKSPACE }, (args) => ({
        path: join(root, 'packages', args.path.split('/')[1], 'src', 'index.ts'),
      }));
      // A subpath export (`@interchange/client/ubjson`): its `source` in the package's exports.
      b.onResolve({ filter: WORKSPACE_SUBPATH }, (args) => {
        const [, name, sub] = WORKSPACE_SUBPATH.exec(args.path);
        const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
        const source = manifest.exports?.[`./${sub}`]?.source;
        if (typeof source !== 'string') return { errors: [{ text: `no source export for ${args.path}` }] };
        return { path: join(root, 'packages', name, source) };
      });
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
        // A relative import of a file the overlay has resolves to it, even when the working tree
        // no longer has that file (the commit's sources import each other as they were).
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          const path = join(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
          return overlay.has(path) ? { path } : undefined;
        });
        b.onLoad({ filter: /\.ts$/ }, (args) => {
          const contents = overlay.get(args.path);
          return contents === undefined ? undefined : { contents, loader: 'ts', resolveDir: join(args.path, '..') };
        });
      }
    },
  };
}

/**
 * Builds a variant; returns the path of the module to import. `entry` is the server's public
 * face unless given (the micro benchmarks' entry also exports transport classes).
 * `replace` gives files (relative to `root`) other contents than the working tree's: a variant
 * built for one comparison (bench/lib/counting-off.mjs), never written to disk.
 * @param {{ root: string, outDir: string, name: string, baselineRef?: string, baselineFiles?: string[], entry?: string, replace?: Record<string, string> }} options
 */
export async function buildInterchange({
  root,
  outDir,
  name,
  baselineRef,
  baselineFiles = BASELINE_FILES,
  entry = join(root, 'packages/server/src/index.ts'),
  replace,
}) {
  let overlay = baselineRef === undefined ? undefined : filesAt(root, baselineRef, baselineFiles);
  if (replace !== undefined) {
    overlay ??= new Map();
    for (const [file, contents] of Object.entries(replace)) overlay.set(join(root, file), contents);
  }
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
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

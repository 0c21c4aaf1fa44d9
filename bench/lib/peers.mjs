/**
 * The peer routers come from npm at run time, into bench/.peers (git-ignored), with npm's own
 * client: `npm install --prefix bench/.peers wamp-server@0.0.9 fox-wamp@0.7.28` (about a minute the
 * first time; CI should cache bench/.peers keyed on those versions).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bun's Linux x64 binary, shipped as an npm package; runs the bun-relay target. */
export const BUN_PACKAGE = '@oven/bun-linux-x64';
export const BUN_VERSION = '1.4.5';

/** The Bun executable installed into `dir`, or undefined (another platform, or the install failed). */
export function bunExecutable(dir) {
  const file = join(dir, 'node_modules', BUN_PACKAGE, 'bin', 'bun');
  if (!existsSync(file)) return undefined;
  return spawnSync(file, ['--version']).status === 0 ? file : undefined;
}

function installedVersion(dir, name) {
  const file = join(dir, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

/**
 * Installs the `name@version` specs that are missing; throws if npm fails. `optional` specs
 * (Bun: one platform's binary) are installed apart, and failing to install them is only logged:
 * the targets that need them are skipped.
 */
export function ensurePeers(dir, specs, log, optional = []) {
  for (const spec of optional) {
    try {
      ensurePeers(dir, [spec], log);
    } catch (error) {
      log(`${spec} is not available: ${error.message}`);
    }
  }
  specs = specs.filter((spec) => !optional.includes(spec));
  const missing = specs.filter((spec) => {
    const at = spec.lastIndexOf('@');
    return installedVersion(dir, spec.slice(0, at)) !== spec.slice(at + 1);
  });
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} into ${dir}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // No install scripts: the peers run without them (fox-wamp's sqlite3 serves a storage the bench
  // does not use), and a benchmark has no reason to run third-party build steps.
  const args = [
    'install',
    '--prefix',
    dir,
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--loglevel=error',
    ...missing,
  ];
  const result = spawnSync(npm, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`npm install of ${missing.join(', ')} failed (${result.status ?? result.error})`);
  }
}

/**
 * The peer routers come from npm at run time, into bench/.peers (git-ignored), with npm's own
 * client: `npm install --prefix bench/.peers wamp-server@0.0.9 fox-wamp@0.7.28`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function installedVersion(dir, name) {
  const file = join(dir, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

/** Installs the `name@version` specs that are missing; throws if npm fails. */
export function ensurePeers(dir, specs, log) {
  const missing = specs.filter((spec) => {
    const at = spec.lastIndexOf('@');
    return installedVersion(dir, spec.slice(0, at)) !== spec.slice(at + 1);
  });
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} into ${dir}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...missing],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0)
    throw new Error(`npm install of ${missing.join(', ')} failed (${result.status ?? result.error})`);
}

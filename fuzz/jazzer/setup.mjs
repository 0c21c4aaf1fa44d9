/**
 * `node fuzz/jazzer/setup.mjs`: makes Jazzer.js (coverage-guided, libFuzzer) runnable here, for
 * `npm run fuzz` (fuzz/run.mjs calls `setupJazzer` itself). Idempotent: a second run with nothing
 * changed takes a moment.
 *
 * Why not the `@jazzer.js/core` of npm as a plain devDependency:
 * - 4.0.0, the only version whose npm package holds a linux-x64 build of the native addon, links
 *   `__isoc23_strtol` and `__isoc23_strtoul` of glibc 2.38; Debian 12 (our machines and CI) has
 *   2.36, so it does not load. Its npm package holds no sources to build it from.
 * - 1.4.0 to 2.1.0 ship the addon's C++ sources; their install script downloads a prebuilt addon
 *   from GitHub, or builds compiler-rt from an LLVM archive it downloads. Neither is reachable
 *   from our machines, and the failing script would fail the whole workspace's `npm install`.
 *
 * So fuzz/jazzer/ is a project of its own (package.json, package-lock.json) pinning 2.1.0,
 * installed with `--ignore-scripts`, and its addon is built here with g++ from the npm sources
 * against the stock libFuzzer that Debian's `libclang-rt-dev` ships
 * (libclang_rt.fuzzer_no_main-<arch>.a), plus fuzz/jazzer/compat/ for the three places where
 * Jazzer.js expects its own patched libFuzzer (libfuzzer-compat.cpp says which and how).
 *
 * 2.1.0 instruments only CommonJS (`require`); fuzz/run.mjs therefore bundles each ESM target
 * with esbuild into one CommonJS file before fuzzing it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const JAZZER_DIR = dirname(fileURLToPath(import.meta.url));
const MODULES = join(JAZZER_DIR, 'node_modules');
const FUZZER = join(MODULES, '@jazzer.js', 'fuzzer');
const ADDON = join(FUZZER, 'build', 'Release', 'jazzerjs.node');
/** The Jazzer.js command line (the `jazzer` bin of @jazzer.js/core). */
export const JAZZER_CLI = join(MODULES, '@jazzer.js', 'core', 'dist', 'cli.js');
const WANTED = JSON.parse(readFileSync(join(JAZZER_DIR, 'package.json'), 'utf8')).dependencies['@jazzer.js/core'];
/** Install and compile are bounded: a stuck step fails the setup, it does not hang CI. */
const STEP_TIMEOUT_MS = 5 * 60_000;

const LLVM_ARCH = { x64: 'x86_64', arm64: 'aarch64' };

/** Debian's stock libFuzzer without its main(), newest LLVM first; undefined if none is installed. */
export function findLibFuzzer() {
  const arch = LLVM_ARCH[process.arch];
  if (arch === undefined) return undefined;
  const found = [];
  const llvmRoots = existsSync('/usr/lib') ? readdirSync('/usr/lib').filter((n) => /^llvm-\d+$/.test(n)) : [];
  for (const llvm of llvmRoots) {
    const clangDir = join('/usr/lib', llvm, 'lib', 'clang');
    if (!existsSync(clangDir)) continue;
    for (const version of readdirSync(clangDir)) {
      // The older layout (lib/linux/…-x86_64.a) and the per-target one (lib/x86_64-…/….a).
      const candidates = [join(clangDir, version, 'lib', 'linux', `libclang_rt.fuzzer_no_main-${arch}.a`)];
      const libDir = join(clangDir, version, 'lib');
      if (existsSync(libDir)) {
        for (const triple of readdirSync(libDir).filter((n) => n.startsWith(`${arch}-`))) {
          candidates.push(join(libDir, triple, 'libclang_rt.fuzzer_no_main.a'));
        }
      }
      for (const path of candidates) if (existsSync(path)) found.push({ llvm: Number(llvm.slice(5)), path });
    }
  }
  found.sort((a, b) => b.llvm - a.llvm);
  return found[0]?.path;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: STEP_TIMEOUT_MS, ...options });
  if (result.error) return `${command}: ${result.error.message}`;
  if (result.status !== 0)
    return `${command} exited ${result.status}:\n${(result.stderr || result.stdout).slice(-4000)}`;
  return undefined;
}

function installedVersion() {
  const file = join(MODULES, '@jazzer.js', 'core', 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

/**
 * Installs Jazzer.js into fuzz/jazzer/node_modules and builds its addon where needed. Resolves
 * with undefined when Jazzer.js is ready, or with the reason it is not (what to install).
 */
export function setupJazzer({ log = console.log } = {}) {
  if (installedVersion() !== WANTED) {
    log(`jazzer setup: installing @jazzer.js/core ${WANTED} into fuzz/jazzer (install scripts off)`);
    const problem = run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: JAZZER_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (problem !== undefined) return `npm install in fuzz/jazzer failed: ${problem}`;
  }
  // JAZZER_LIBFUZZER names another libclang_rt.fuzzer_no_main archive (an older LLVM, say).
  const libFuzzer = process.env.JAZZER_LIBFUZZER ?? findLibFuzzer();
  if (libFuzzer === undefined) {
    return "no libFuzzer found: install Debian's libclang-rt-dev (apt-get install libclang-rt-dev), which ships libclang_rt.fuzzer_no_main";
  }
  const nodeHeaders = join(dirname(process.execPath), '..', 'include', 'node');
  if (!existsSync(join(nodeHeaders, 'node_api.h'))) return `no Node.js headers at ${nodeHeaders} (node_api.h)`;
  const addonApi = join(MODULES, 'node-addon-api');
  const compat = join(JAZZER_DIR, 'compat');
  const sources = [
    ...readdirSync(FUZZER)
      .filter((n) => n.endsWith('.cpp'))
      .map((n) => join(FUZZER, n)),
    ...readdirSync(join(FUZZER, 'shared'))
      .filter((n) => n.endsWith('.cpp'))
      .map((n) => join(FUZZER, 'shared', n)),
    join(compat, 'libfuzzer-compat.cpp'),
  ].sort();
  const args = [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-shared',
    '-DNAPI_VERSION=4',
    // node-addon-api's iteration over a JS array (used by utils.cpp) exists only with C++ exceptions.
    '-DNAPI_CPP_EXCEPTIONS',
    `-I${compat}`,
    `-I${nodeHeaders}`,
    `-I${addonApi}`,
    `-I${FUZZER}`,
    ...sources,
    // The whole archive: libFuzzer's sanitizer hooks must be in the addon for the JS hooks to call.
    '-Wl,--whole-archive',
    libFuzzer,
    '-Wl,--no-whole-archive',
    '-lpthread',
    '-o',
    ADDON,
  ];
  const stamp = createHash('sha256')
    .update(JSON.stringify([process.version, args]))
    .update(sources.map((s) => readFileSync(s, 'utf8')).join('\0'))
    .update(readFileSync(join(compat, 'fuzzer', 'FuzzerDefs.h'), 'utf8'))
    .digest('hex');
  const stampFile = `${ADDON}.stamp`;
  if (!(existsSync(ADDON) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)) {
    log(`jazzer setup: building the addon of @jazzer.js/fuzzer against ${libFuzzer}`);
    mkdirSync(dirname(ADDON), { recursive: true });
    const problem = run(process.env.CXX ?? 'g++', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (problem !== undefined) return `building the Jazzer.js addon failed: ${problem}`;
    writeFileSync(stampFile, stamp);
  }
  // Loaded in a child process: a broken addon must not take this process with it.
  const loads = run(process.execPath, ['-e', `require(${JSON.stringify(FUZZER)})`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (loads !== undefined) return `the Jazzer.js addon does not load: ${loads}`;
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = setupJazzer();
  if (problem !== undefined) {
    console.error(`jazzer setup: ${problem}`);
    process.exit(1);
  }
  console.log('jazzer setup: Jazzer.js is ready');
}

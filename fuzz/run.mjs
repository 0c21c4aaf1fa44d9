/**
 * `npm run fuzz [-- --seconds N] [--engine jazzer|fast-check] [--self-test] [--merge] [target ...]`: runs each
 * fuzz target of fuzz/targets for a bounded time (60 s by default; FUZZ_SECONDS also sets it), one
 * after the other, prints what each run did, and exits 1 if any target found something. See
 * docs/fuzzing.md.
 *
 * The engine is Jazzer.js (coverage-guided, libFuzzer), set up by fuzz/jazzer/setup.mjs; where it
 * cannot be set up, this fails and says what to install rather than fall back quietly.
 * `--engine fast-check` picks the random engine run-fast-check.mjs instead. `--self-test` first
 * proves that the coverage guidance works (fuzz/jazzer/self-test-target.cjs). `--merge` fuzzes
 * nothing: it adds to the committed corpus fuzz/corpus/<target> the inputs of fuzz/.work/<target>
 * that reach coverage the corpus does not (libFuzzer's -merge=1).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { TARGETS } from './inputs.mjs';
import { JAZZER_CLI, setupJazzer } from './jazzer/setup.mjs';

const args = process.argv.slice(2);
let seconds = Number(process.env.FUZZ_SECONDS ?? 60);
let engine = 'jazzer';
let selfTest = false;
let merge = false;
const targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') seconds = Number(args[++i]);
  else if (args[i] === '--engine') engine = args[++i];
  else if (args[i] === '--self-test') selfTest = true;
  else if (args[i] === '--merge') merge = true;
  else targets.push(args[i]);
}
for (const target of targets) {
  if (!TARGETS.includes(target)) throw new Error(`unknown target ${target}; the targets: ${TARGETS.join(', ')}`);
}
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
if (engine !== 'jazzer' && engine !== 'fast-check') throw new Error(`unknown engine ${engine}`);
if (merge && engine !== 'jazzer') throw new Error('--merge needs the jazzer engine');

const root = new URL('..', import.meta.url).pathname;
/** Targets whose `fuzz` returns a promise (Jazzer.js runs the others with `--sync`). */
const ASYNC_TARGETS = ['config', 'router-session'];

if (engine === 'jazzer') {
  const problem = setupJazzer();
  if (problem !== undefined) {
    console.error(`Jazzer.js cannot run here: ${problem}`);
    console.error('(`npm run fuzz -- --engine fast-check` runs the random engine instead)');
    process.exit(1);
  }
}

/**
 * esbuild plugin: `import.meta.url` becomes the URL of the file it is written in, so that paths
 * the packages resolve from it (package.json, the Python runner) stay right inside the bundle.
 */
const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(plugin) {
    plugin.onLoad({ filter: /\.m?js$/ }, (loaded) => {
      const text = readFileSync(loaded.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(loaded.path).href)),
        loader: 'js',
      };
    });
  },
};

/**
 * Jazzer.js 2.1.0 instruments code loaded with `require` only, and our packages are ES modules:
 * each target is bundled with what it imports (our packages' dist/ and their dependencies) into
 * one CommonJS file, so that all of it is instrumented for coverage.
 */
async function bundle(target) {
  const outfile = join(root, 'fuzz', '.work', 'bundles', `${target}.cjs`);
  await build({
    entryPoints: [join(root, 'fuzz', 'targets', `${target}.mjs`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    // Keep side-effect imports (the ubjson serializer registers itself) despite `sideEffects: false`.
    ignoreAnnotations: true,
    plugins: [keepImportMetaUrl],
    logLevel: 'error',
  });
  return outfile;
}

/** Runs a command with a wall-clock limit; resolves with its exit code and what it printed on stderr. */
function runLimited(label, command, commandArgs, limitSeconds, { echo = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-200_000);
      if (echo) process.stderr.write(chunk);
    });
    // A target that takes this long past its time is stuck on one input: a hang is a finding.
    const limit = setTimeout(() => {
      console.error(`${label}: no answer ${limitSeconds} s after starting: a hang`);
      child.kill('SIGKILL');
    }, limitSeconds * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve({ code: code ?? (signal === null ? 1 : 128), stderr });
    });
  });
}

/** libFuzzer's closing status line ("#N DONE cov: … corp: N/S exec/s: E …"), as numbers. */
function lastStatus(stderr) {
  const lines = stderr.split('\n').filter((l) => /^#\d+\s+(DONE|pulse|NEW|REDUCE|INITED)\s/.test(l));
  const last = lines.at(-1);
  if (last === undefined) return undefined;
  const number = (re) => Number(last.match(re)?.[1]);
  return {
    runs: number(/^#(\d+)/),
    cov: number(/cov: (\d+)/),
    features: number(/ft: (\d+)/),
    corpus: number(/corp: (\d+)\//),
    execPerSecond: number(/exec\/s: (\d+)/),
  };
}

async function runJazzer(target, file, corpora, extra, limitSeconds, echo) {
  return runLimited(
    target,
    process.execPath,
    [
      // A bounded V8 heap: left to itself V8 grows the heap lazily, and the instrumented targets'
      // short-lived garbage took the process past libFuzzer's RSS limit below without anything
      // being retained (longpoll-body: 1.4 to 2.2 GB RSS; 0.8 GB with this bound, and no finding).
      // A real leak now ends in V8's heap limit, which is a finding too.
      '--max-old-space-size=512',
      JAZZER_CLI,
      file,
      ...corpora,
      ...(ASYNC_TARGETS.includes(target) ? [] : ['--sync']),
      '--timeout=10000',
      '--',
      '-rss_limit_mb=2048',
      '-artifact_prefix=fuzz/findings/',
      ...extra,
    ],
    limitSeconds,
    { echo },
  );
}

/**
 * Proves the engine is guided by coverage: the self-test target fails only on a 6-byte magic
 * prefix (one input in 2^48 at random), which coverage and comparison feedback find within a
 * bounded number of runs. Not finding it, or finding it without writing the input, fails.
 */
async function runSelfTest() {
  const dir = join(root, 'fuzz', '.work', 'self-test');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'corpus'), { recursive: true });
  const { code, stderr } = await runLimited(
    'self-test',
    process.execPath,
    [
      // A bounded V8 heap: left to itself V8 grows the heap lazily, and the instrumented targets'
      // short-lived garbage took the process past libFuzzer's RSS limit below without anything
      // being retained (longpoll-body: 1.4 to 2.2 GB RSS; 0.8 GB with this bound, and no finding).
      // A real leak now ends in V8's heap limit, which is a finding too.
      '--max-old-space-size=512',
      JAZZER_CLI,
      join(root, 'fuzz', 'jazzer', 'self-test-target.cjs'),
      join(dir, 'corpus'),
      '--sync',
      '--',
      '-runs=2000000',
      '-seed=1',
      `-artifact_prefix=${dir}/`,
    ],
    300,
    { echo: false },
  );
  const crashes = readdirSync(dir).filter((n) => n.startsWith('crash-'));
  const found =
    crashes.length === 1 && readFileSync(join(dir, crashes[0])).subarray(0, 6).toString('latin1') === 'WAMP!?';
  const status = lastStatus(stderr);
  if (code !== 77 || !found) {
    console.error(stderr.slice(-3000));
    console.error(
      `self-test: FAILED: exit ${code}, ${crashes.length} crash files; the engine is not coverage-guided here`,
    );
    process.exit(1);
  }
  console.log(
    `self-test: coverage guidance found the 6-byte magic input after ${status?.runs ?? '?'} runs (exit 77, input written)`,
  );
}

const summaries = [];
/** Runs one target; resolves with its exit code (a hang past the time limit counts as a finding). */
async function run(target) {
  mkdirSync(join(root, 'fuzz', 'findings'), { recursive: true });
  if (engine === 'fast-check') {
    const { code } = await runLimited(
      target,
      process.execPath,
      ['fuzz/run-fast-check.mjs', target, String(seconds)],
      seconds + 60,
    );
    return code;
  }
  // New inputs go to fuzz/.work/<target> (not committed); the committed seeds are read too.
  const work = join(root, 'fuzz', '.work', target);
  mkdirSync(work, { recursive: true });
  const file = await bundle(target);
  if (merge) {
    const corpus = join(root, 'fuzz', 'corpus', target);
    const before = readdirSync(corpus).length;
    const { code } = await runJazzer(target, file, [corpus, work], ['-merge=1'], 3600, false);
    console.log(`${target}: merged, ${before} -> ${readdirSync(corpus).length} corpus files (exit ${code})`);
    return code;
  }
  const { code, stderr } = await runJazzer(
    target,
    file,
    [work, join(root, 'fuzz', 'corpus', target)],
    [`-max_total_time=${seconds}`],
    seconds + 120,
    process.env.FUZZ_QUIET === undefined,
  );
  // Quiet runs (CI) still show what a finding printed: the input, the error and its stack.
  if (code !== 0 && process.env.FUZZ_QUIET !== undefined) process.stderr.write(stderr.slice(-8000));
  const status = lastStatus(stderr);
  const corpusFiles = existsSync(work) ? readdirSync(work).length : 0;
  summaries.push({ target, code, ...status, corpusFiles });
  return code;
}

if (selfTest && engine === 'jazzer') await runSelfTest();
const failed = [];
for (const target of targets.length > 0 ? targets : TARGETS) {
  if (!merge) console.log(`fuzzing ${target} for ${seconds} s (${engine})`);
  if ((await run(target)) !== 0) failed.push(target);
}
if (summaries.length > 0) {
  console.log('\ntarget                  exit  runs        exec/s  cov    features  corpus (entries, files kept)');
  for (const s of summaries) {
    console.log(
      `${s.target.padEnd(24)}${String(s.code).padEnd(6)}${String(s.runs).padEnd(12)}${String(s.execPerSecond).padEnd(8)}${String(s.cov).padEnd(7)}${String(s.features).padEnd(10)}${s.corpus}, ${s.corpusFiles}`,
    );
  }
}
if (failed.length > 0) {
  console.error(`findings in: ${failed.join(', ')} (inputs in fuzz/findings/)`);
  process.exit(1);
}
console.log('no findings');

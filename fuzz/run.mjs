/**
 * `npm run fuzz [-- --seconds N] [target ...]`: runs each fuzz target of fuzz/targets for a bounded
 * time (60 s by default; FUZZ_SECONDS also sets it), one after the other, and exits 1 if any
 * target found something. See docs/fuzzing.md.
 *
 * The engine is Jazzer.js (coverage-guided, libFuzzer) where its native addon loads. Its prebuilt
 * addon needs glibc 2.38 or later; on older systems (Debian 12 has 2.36) the random engine
 * run-fast-check.mjs runs instead, and `--engine fast-check` picks it anywhere.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TARGETS } from './inputs.mjs';

const args = process.argv.slice(2);
let seconds = Number(process.env.FUZZ_SECONDS ?? 60);
let engine;
const targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') seconds = Number(args[++i]);
  else if (args[i] === '--engine') engine = args[++i];
  else targets.push(args[i]);
}
for (const target of targets) {
  if (!TARGETS.includes(target)) throw new Error(`unknown target ${target}; the targets: ${TARGETS.join(', ')}`);
}
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');

/** Whether Jazzer.js's native addon loads here (the reason it does not, otherwise). */
function jazzerProblem() {
  try {
    createRequire(import.meta.url)('@jazzer.js/fuzzer');
    return undefined;
  } catch (error) {
    return error.message.split('\n')[0];
  }
}

if (engine === undefined) {
  const problem = jazzerProblem();
  engine = problem === undefined ? 'jazzer' : 'fast-check';
  if (problem !== undefined) console.log(`Jazzer.js cannot run here (${problem}); using the fast-check engine`);
}
if (engine !== 'jazzer' && engine !== 'fast-check') throw new Error(`unknown engine ${engine}`);

const root = new URL('..', import.meta.url).pathname;
/** Targets whose `fuzz` returns a promise (Jazzer.js runs the others with `--sync`). */
const ASYNC_TARGETS = ['config', 'router-session'];

/** Runs one target; resolves with its exit code (a hang past the time limit counts as a finding). */
function run(target) {
  const [command, commandArgs] =
    engine === 'jazzer'
      ? (() => {
          // New inputs go to fuzz/.work/<target> (not committed); the seeds are read from corpus/.
          mkdirSync(`${root}fuzz/.work/${target}`, { recursive: true });
          return [
            'npx',
            [
              'jazzer',
              `fuzz/targets/${target}.mjs`,
              `fuzz/.work/${target}`,
              `fuzz/corpus/${target}`,
              ...(ASYNC_TARGETS.includes(target) ? [] : ['--sync']),
              '--timeout=10000',
              '--',
              `-max_total_time=${seconds}`,
              '-rss_limit_mb=2048',
              '-artifact_prefix=fuzz/findings/',
            ],
          ];
        })()
      : [process.execPath, [`fuzz/run-fast-check.mjs`, target, String(seconds)]];
  mkdirSync(`${root}fuzz/findings`, { recursive: true });
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
    // A target that takes this long past its time is stuck on one input: a hang is a finding.
    const limit = setTimeout(
      () => {
        console.error(`${target}: no answer ${seconds + 60} s after starting: a hang`);
        child.kill('SIGKILL');
      },
      (seconds + 60) * 1000,
    );
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

const failed = [];
for (const target of targets.length > 0 ? targets : TARGETS) {
  console.log(`fuzzing ${target} for ${seconds} s (${engine})`);
  if ((await run(target)) !== 0) failed.push(target);
}
if (failed.length > 0) {
  console.error(`findings in: ${failed.join(', ')} (inputs in fuzz/findings/)`);
  process.exit(1);
}
console.log('no findings');

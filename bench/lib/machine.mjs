/** The machine a run measured: CPU model and cores (lscpu), Node version, kernel, commit. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release } from 'node:os';

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** What BENCHMARKS.md prints above the numbers. */
export function machine(root) {
  const lscpu = run('lscpu', []) ?? '';
  const model = /^Model name:\s+(.+)$/m.exec(lscpu)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  const status = run('git', ['status', '--porcelain'], root);
  return {
    cpu: model.trim(),
    cores: availableParallelism(),
    node: process.version,
    kernel: release(),
    commit: run('git', ['rev-parse', '--short', 'HEAD'], root),
    dirty: status === undefined ? undefined : status.length > 0,
  };
}

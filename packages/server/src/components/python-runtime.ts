/**
 * The Python that runs Python components: which interpreter, and whether it can import
 * Autobahn|Python. The interpreter is, first found: the worker's `options.python` (Crossbar's
 * key), the `INTERCHANGE_PYTHON` environment variable, `/usr/bin/python3` (Debian's, where
 * `apt-get install python3-autobahn` puts Autobahn), `python3` on the PATH.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The environment variable that names the Python interpreter for all workers. */
export const PYTHON_ENV_VAR = 'INTERCHANGE_PYTHON';

/** What to install when Autobahn|Python is missing. */
export const AUTOBAHN_INSTALL_HINT =
  'install Autobahn|Python (Debian/Ubuntu: apt-get install python3-autobahn; elsewhere: pip install "autobahn[twisted]"), ' +
  `or point the worker's options.python or ${PYTHON_ENV_VAR} at a Python that has it`;

/** The runner script shipped in this package (packages/server/python/component_runner.py). */
export const RUNNER_SCRIPT = fileURLToPath(new URL('../../python/component_runner.py', import.meta.url));

/** A Python found to import Autobahn. */
export interface PythonRuntime {
  executable: string;
  autobahnVersion: string;
}

/** The result of probing: a usable Python, or why there is none. */
export type PythonProbe = { ok: true; runtime: PythonRuntime } | { ok: false; reason: string };

/** The interpreters to try, in order: the configured one alone, else the defaults. */
export function pythonCandidates(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (configured !== undefined) return [configured];
  const fromEnv = env[PYTHON_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') return [fromEnv];
  return ['/usr/bin/python3', 'python3'];
}

const PROBE = 'import sys, autobahn; sys.stdout.write(autobahn.__version__)';
const probes = new Map<string, Promise<PythonProbe>>();

function probeOne(executable: string): Promise<PythonProbe> {
  return new Promise((resolve) => {
    execFile(executable, ['-c', PROBE], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ ok: true, runtime: { executable, autobahnVersion: stdout.trim() } });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') resolve({ ok: false, reason: `${executable} not found` });
      else {
        const last = stderr.trim().split('\n').pop() ?? error.message;
        resolve({ ok: false, reason: `${executable} cannot import autobahn (${last})` });
      }
    });
  });
}

/**
 * Finds a Python that imports Autobahn among {@link pythonCandidates}. Results are cached per
 * interpreter for the life of the process.
 */
export async function findPython(
  configured: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonProbe> {
  const reasons: string[] = [];
  for (const executable of pythonCandidates(configured, env)) {
    // An absolute path that does not exist needs no process to find out.
    if (executable.startsWith('/')) {
      const exists = await access(executable, constants.X_OK).then(
        () => true,
        () => false,
      );
      if (!exists) {
        reasons.push(`${executable} not found`);
        continue;
      }
    }
    let probe = probes.get(executable);
    if (probe === undefined) {
      probe = probeOne(executable);
      probes.set(executable, probe);
    }
    const result = await probe;
    if (result.ok) return result;
    reasons.push(result.reason);
  }
  return { ok: false, reason: reasons.join('; ') };
}

const FIND_MODULES = `
import importlib.util, json, sys
missing = []
for paths, name in json.loads(sys.argv[1]):
    sys.path[:0] = paths
    try:
        found = importlib.util.find_spec(name) is not None
    except Exception:
        found = False
    del sys.path[:len(paths)]
    if not found:
        missing.append(name)
sys.stdout.write(json.dumps(missing))
`;

/**
 * Which of the top-level modules cannot be found, each looked up with its own directories first
 * on the module path. Only top-level modules are looked up, so that no component code runs.
 */
export function missingPythonModules(
  executable: string,
  lookups: readonly { pythonpath: readonly string[]; module: string }[],
): Promise<string[]> {
  const request = JSON.stringify(lookups.map((l) => [l.pythonpath, l.module]));
  return new Promise((resolve) => {
    execFile(executable, ['-c', FIND_MODULES, request], { timeout: 20_000 }, (error, stdout) => {
      if (error !== null) {
        resolve([]);
        return;
      }
      try {
        resolve(JSON.parse(stdout) as string[]);
      } catch {
        resolve([]);
      }
    });
  });
}

/**
 * What `interchange check` and node start verify for the Python code of a config beyond its
 * components (python-check.ts): `wsgi` and `resource` web paths and Python `function`
 * authenticators and authorizers. A Python with Autobahn|Python (and so Twisted) must be there,
 * and the top-level module each names must be found on the worker's `options.pythonpath` or
 * installed. Only top-level modules are looked up, so that no user code runs during a check.
 */
import { AUTOBAHN_INSTALL_HINT, findPython, missingPythonModules } from '../components/python-runtime.js';
import { pythonFunctionsOf } from './auth-functions.js';
import { type ConfigIssue, formatPath } from './config-issues.js';
import type { NodeConfig } from './config-schema.js';
import type { KeyPath } from './config-walk.js';

/** One piece of Python code the config names. */
interface PythonCode {
  path: KeyPath;
  worker: number;
  /** Its top-level module. */
  module: string;
  /** What it is, for messages (`wsgi path`, `function`). */
  what: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `wsgi` and `resource` paths below `node` (transports, their `web` part, nested `path`s). */
function pythonPaths(node: unknown, path: KeyPath, worker: number, found: PythonCode[]): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) pythonPaths(item, [...path, i], worker, found);
    return;
  }
  if (!isObject(node)) return;
  if (node.type === 'wsgi' && typeof node.module === 'string') {
    found.push({ path: [...path, 'module'], worker, module: node.module.split('.')[0] ?? '', what: 'wsgi path' });
    return;
  }
  if (node.type === 'resource' && typeof node.classname === 'string') {
    found.push({
      path: [...path, 'classname'],
      worker,
      module: node.classname.split('.')[0] ?? '',
      what: 'resource path',
    });
    return;
  }
  for (const [key, child] of Object.entries(node)) pythonPaths(child, [...path, key], worker, found);
}

/** The problems of the config's Python web paths and functions; `resolve` resolves paths against the cbdir. */
export async function checkPythonCode(config: NodeConfig, resolve: (path: string) => string): Promise<ConfigIssue[]> {
  const code: PythonCode[] = [];
  for (const [w, worker] of config.workers.entries()) {
    if (worker.type === 'router') pythonPaths(worker.transports, ['workers', w, 'transports'], w, code);
  }
  for (const fn of pythonFunctionsOf(config)) code.push({ ...fn, what: 'function' });
  const issues: ConfigIssue[] = [];
  for (const [w, worker] of config.workers.entries()) {
    const ofWorker = code.filter((c) => c.worker === w);
    if (ofWorker.length === 0 || (worker.type !== 'router' && worker.type !== 'container')) continue;
    const probe = await findPython(worker.options?.python);
    if (!probe.ok) {
      for (const c of ofWorker)
        issues.push({
          path: formatPath(c.path),
          message: `this ${c.what} is Python code, but ${probe.reason}; ${AUTOBAHN_INSTALL_HINT}`,
          kind: 'invalid',
        });
      continue;
    }
    const pythonpath = (worker.options?.pythonpath ?? []).map(resolve);
    const missing = new Set(
      await missingPythonModules(
        probe.runtime.executable,
        ofWorker.map((c) => ({ pythonpath, module: c.module })),
      ),
    );
    for (const c of ofWorker) {
      if (!missing.has(c.module)) continue;
      const where = pythonpath.length === 0 ? 'no options.pythonpath' : `options.pythonpath ${pythonpath.join(', ')}`;
      issues.push({
        path: formatPath(c.path),
        message: `Python module "${c.module}" not found (${where}, nor installed for ${probe.runtime.executable}); add the directory that holds it to workers[${w}].options.pythonpath`,
        kind: 'invalid',
      });
    }
  }
  return issues;
}

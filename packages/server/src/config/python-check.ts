/**
 * What `interchange check` and node start verify for Python components (components whose
 * classname is a Python class, see components/component-language.ts): that a Python with
 * Autobahn|Python is there, that `pythonpath` entries are directories, that no component
 * names one of Crossbar's own classes, and that `expose_shared` can be honoured.
 */
import { stat } from 'node:fs/promises';
import { componentLanguage, isCrossbarInternalClass } from '../components/component-language.js';
import { AUTOBAHN_INSTALL_HINT, findPython, missingPythonModules } from '../components/python-runtime.js';
import { type ConfigIssue, formatPath } from './config-issues.js';
import type { NodeConfig } from './config-schema.js';

/** Why a router worker's Python components cannot share a dict (python-shared-container.ts shares a container's). */
const SHARED_IN_ROUTER =
  "a router worker's Python components each run in a process of their own here (each on its own internal " +
  'connection), so no dict is shared between them; move them to a container worker, whose Python components ' +
  'run in one process with expose_shared, or keep one Python component in this worker';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The problems of the config's Python components; `resolve` resolves paths against the cbdir. */
export async function checkPythonComponents(
  config: NodeConfig,
  resolve: (path: string) => string,
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const [w, worker] of config.workers.entries()) {
    if (worker.type !== 'router' && worker.type !== 'container') continue;
    const python = worker.components
      .map((component, c) => ({ component, c }))
      .filter(({ component }) => componentLanguage(component.classname) === 'python');
    if (python.length === 0) {
      for (const key of ['expose_controller', 'expose_shared'] as const) {
        if (worker.options?.[key] !== true) continue;
        issues.push({
          path: formatPath(['workers', w, 'options', key]),
          message: `has no effect: only Python components get ${key === 'expose_controller' ? 'config.controller' : 'config.shared'}, and this worker has none`,
          kind: 'warning',
        });
      }
      continue;
    }
    const usable = python.filter(({ component, c }) => {
      if (!isCrossbarInternalClass(component.classname)) return true;
      issues.push({
        path: formatPath(['workers', w, 'components', c, 'classname']),
        message: `unsupported: ${component.classname} is part of Crossbar itself, which Interchange does not contain (built in: crossbar.bridge.rest.RESTCallee, crossbar.bridge.rest.MessageForwarder)`,
        kind: 'unsupported',
      });
      return false;
    });
    if (usable.length === 0) continue;
    if (worker.type === 'router' && worker.options?.expose_shared === true && usable.length > 1) {
      issues.push({
        path: formatPath(['workers', w, 'options', 'expose_shared']),
        message: `unsupported: ${SHARED_IN_ROUTER}`,
        kind: 'unsupported',
      });
    }
    const probe = await findPython(worker.options?.python);
    if (!probe.ok) {
      for (const { component, c } of usable) {
        const id = component.id ?? component.classname;
        issues.push({
          path: formatPath(['workers', w, 'components', c, 'classname']),
          message: `component "${id}" is a Python component, but ${probe.reason}; ${AUTOBAHN_INSTALL_HINT}`,
          kind: 'invalid',
        });
      }
    }
    const pythonpath = (worker.options?.pythonpath ?? []).map(resolve);
    if (probe.ok) {
      const lookups = usable.map(({ component }) => ({ pythonpath, module: component.classname.split('.')[0] ?? '' }));
      const missing = new Set(await missingPythonModules(probe.runtime.executable, lookups));
      for (const { component, c } of usable) {
        const module = component.classname.split('.')[0] ?? '';
        if (!missing.has(module)) continue;
        const where = pythonpath.length === 0 ? 'no options.pythonpath' : `options.pythonpath ${pythonpath.join(', ')}`;
        issues.push({
          path: formatPath(['workers', w, 'components', c, 'classname']),
          message: `Python module "${module}" not found (${where}, nor installed for ${probe.runtime.executable}); add the directory that holds it to workers[${w}].options.pythonpath`,
          kind: 'invalid',
        });
      }
    }
    for (const [i, entry] of (worker.options?.pythonpath ?? []).entries()) {
      const dir = resolve(entry);
      if (!(await isDirectory(dir))) {
        issues.push({
          path: formatPath(['workers', w, 'options', 'pythonpath', i]),
          message: `directory not found: ${dir}`,
          kind: 'invalid',
        });
      }
    }
  }
  return issues;
}

/**
 * Which runtime a `class` component's `classname` names. Crossbar's classnames are Python
 * dotted paths (`hello.hello.AppSession`); ours may also be the path of a JS module. The shape
 * decides, so a Crossbar config needs no new key:
 *
 * - Crossbar's bridge classes (`crossbar.bridge.rest.RESTCallee`, `...MessageForwarder`): built in.
 * - a path with a slash, or a name ending in `.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts`: a JS
 *   (or TS) module file, relative to the cbdir;
 * - otherwise dotted Python identifiers (`module.Class`, `package.module.Class`): an Autobahn|Python
 *   `ApplicationSession` subclass, run by Python (see python-component.ts).
 */
import { isBuiltinComponent } from '../config/component-schema.js';

/** What runs a component. */
export type ComponentLanguage = 'builtin' | 'js' | 'python';

const JS_FILE = /\.(?:m|c)?(?:js|ts)$/i;
const PYTHON_CLASS = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** The runtime `classname` names (rule above). */
export function componentLanguage(classname: string): ComponentLanguage {
  if (isBuiltinComponent(classname)) return 'builtin';
  if (classname.includes('/') || classname.includes('\\') || JS_FILE.test(classname)) return 'js';
  return PYTHON_CLASS.test(classname) ? 'python' : 'js';
}

/** Whether a Python classname names a class of Crossbar itself (which Interchange does not have). */
export function isCrossbarInternalClass(classname: string): boolean {
  return classname.startsWith('crossbar.') && !isBuiltinComponent(classname);
}

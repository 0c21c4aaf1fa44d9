/**
 * The templates of a `wap` path: Jinja2-syntax templates (Crossbar renders them with Jinja2) run
 * on nunjucks, set up as Crossbar sets up Jinja2: autoescaping on, names resolved inside the
 * templates folder only, and, with `sandbox` (the default), attribute access restricted as
 * Jinja2's sandbox restricts it. Where nunjucks and Jinja2 differ is listed in
 * docs/crossbar-migration.md (web paths, `wap`).
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import nunjucks from 'nunjucks';

/** Largest template file read (a template is code of the node's operator, not a data file). */
const MAX_TEMPLATE_BYTES = 1024 * 1024;

/** A template that could not be loaded or compiled, or broke the sandbox while rendering. */
export class WapTemplateError extends Error {
  override readonly name = 'WapTemplateError';
}

/** A compiled template, rendered with a dictionary. */
export interface WapTemplate {
  render(context: Record<string, unknown>): string;
}

/** The part of nunjucks' runtime the compiled templates call (`runtime.memberLookup(obj, name)`). */
interface NunjucksRuntime {
  memberLookup(obj: unknown, name: unknown, ...rest: unknown[]): unknown;
  contextOrFrameLookup(context: unknown, frame: unknown, name: string): unknown;
  callWrap(fn: unknown, name: string, context: unknown, args: unknown[]): unknown;
}

/** A compiled nunjucks template's internals: the root function compiled code is entered by. */
interface TemplateInternals {
  rootRenderFunc: (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: unknown) => void;
  compile(): void;
}

const runtime = (nunjucks as unknown as { runtime: NunjucksRuntime }).runtime;

let jinjaCompat = false;
/**
 * Jinja2 syntax nunjucks only has in its compatibility mode: `True`/`False`/`None`, slices
 * (`items[1:3]`), Python's dict and list methods (`d.items()`, `l.append(x)`). nunjucks installs
 * it on its shared runtime, once per process; nothing else in the node uses nunjucks.
 */
function installJinjaCompat(): void {
  if (jinjaCompat) return;
  nunjucks.installJinjaCompat();
  jinjaCompat = true;
}

/**
 * Attribute names a sandboxed template may not read, as Jinja2's sandbox refuses `_`-prefixed
 * attributes and function internals: in JavaScript these are the ways from any value to its
 * constructor, and from there to `Function`, which would run arbitrary code in the node.
 */
function isUnsafeAttribute(name: unknown): boolean {
  if (typeof name !== 'string') return false;
  return (
    name.startsWith('_') ||
    name === 'constructor' ||
    name === 'prototype' ||
    name === 'caller' ||
    name === 'callee' ||
    name === 'arguments'
  );
}

/** The dict methods of Jinja2 compatibility mode that take a key. */
const KEYED_DICT_METHODS = new Set(['get', 'pop', 'setdefault', 'has_key']);

/**
 * Functions a sandboxed template may not call even if it got hold of them: the reflection
 * functions of `Object` and `Reflect` (a property descriptor's `value` is another way to a
 * constructor) and the code runners.
 */
const UNSAFE_FUNCTIONS = new Set<unknown>(
  [
    Function,
    // biome-ignore lint/security/noGlobalEval: listed so that templates cannot call it; never called here
    eval,
    Object,
    ...[Object, Reflect].flatMap((holder) =>
      Object.getOwnPropertyNames(holder).map((key) => (holder as unknown as Record<string, unknown>)[key]),
    ),
  ].filter((v) => typeof v === 'function'),
);

/**
 * The runtime sandboxed templates run with: nunjucks' own, with attribute access, names and
 * calls checked. The checks run before nunjucks' functions, which are read at call time because
 * Jinja compatibility mode replaces some of them.
 */
const sandboxRuntime: NunjucksRuntime = Object.create(runtime, {
  memberLookup: {
    value(obj: unknown, name: unknown, ...rest: unknown[]): unknown {
      if (isUnsafeAttribute(name))
        throw new WapTemplateError(`access to attribute ${JSON.stringify(name)} is unsafe (sandbox)`);
      // nunjucks hands out methods wrapped in a new function, so calls are vetted here too.
      if (obj !== null && obj !== undefined && typeof name === 'string') {
        if (UNSAFE_FUNCTIONS.has(obj) || UNSAFE_FUNCTIONS.has((obj as Record<string, unknown>)[name]))
          throw new WapTemplateError(`access to attribute ${JSON.stringify(name)} is unsafe (sandbox)`);
      }
      const found = runtime.memberLookup.call(this, obj, name, ...rest);
      // Jinja2 compatibility's dict methods read any key (`d.get("__proto__")`): the same check.
      if (typeof found === 'function' && typeof name === 'string' && KEYED_DICT_METHODS.has(name))
        return (key: unknown, ...args: unknown[]) => {
          if (isUnsafeAttribute(key))
            throw new WapTemplateError(`access to key ${JSON.stringify(key)} is unsafe (sandbox)`);
          return (found as (...a: unknown[]) => unknown)(key, ...args);
        };
      return found;
    },
  },
  contextOrFrameLookup: {
    value(context: unknown, frame: unknown, name: string): unknown {
      const found = runtime.contextOrFrameLookup.call(this, context, frame, name);
      // nunjucks looks names up with `in`, so `constructor`, `toString`... would find what every
      // object inherits (`constructor` is `Object`), and `__proto__` Object.prototype itself (where
      // Jinja2 compatibility's `update()` would write for every object of the node); a template
      // sees only names it was given.
      if (name === '__proto__') return undefined;
      if (Object.hasOwn(Object.prototype, name) && found === (Object.prototype as Record<string, unknown>)[name])
        return undefined;
      return found;
    },
  },
  callWrap: {
    value(fn: unknown, name: string, context: unknown, args: unknown[]): unknown {
      if (UNSAFE_FUNCTIONS.has(fn)) throw new WapTemplateError(`calling ${JSON.stringify(name)} is unsafe (sandbox)`);
      return runtime.callWrap.call(this, fn, name, context, args);
    },
  },
});

/** Jinja2's `tojson`: JSON that is safe inside HTML and `<script>` (`<`, `>`, `&`, `'` escaped). */
function tojson(value: unknown, indent?: number): nunjucks.runtime.SafeString {
  const text = JSON.stringify(value ?? null, null, indent) ?? 'null';
  const safe = text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
  return new nunjucks.runtime.SafeString(safe);
}

/**
 * Loads templates from one folder, by Jinja2's rules for names: `/`-separated, relative to the
 * folder; a name with a `..` segment, or one whose file lies outside the folder (through a
 * symbolic link), is not found. As Jinja2 does, one newline at the end of the file is dropped.
 */
class FolderLoader {
  readonly #root: string;
  constructor(root: string) {
    this.#root = root;
  }

  getSource(name: string): { src: string; path: string; noCache: boolean } | null {
    if (name.includes('\0') || name.includes('\\')) return null;
    const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
    if (segments.length === 0 || segments.includes('..')) return null;
    let file: string;
    try {
      file = realpathSync(resolve(this.#root, ...segments));
    } catch {
      return null;
    }
    if (!file.startsWith(this.#root + sep)) return null;
    const info = statSync(file);
    if (!info.isFile()) return null;
    if (info.size > MAX_TEMPLATE_BYTES)
      throw new WapTemplateError(`template "${name}" is larger than ${MAX_TEMPLATE_BYTES} bytes`);
    const src = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    // `path` is what nunjucks' error messages name: the template's name, never the node's folders.
    return { src, path: name, noCache: false };
  }
}

/** Options of {@link WapTemplates}. */
export interface WapTemplatesOptions {
  /** The templates folder (absolute). */
  directory: string;
  /** Jinja2's sandbox (Crossbar's default: true). */
  sandbox: boolean;
}

/** The templates of one `wap` path. */
export class WapTemplates {
  readonly #env: nunjucks.Environment;
  readonly #sandbox: boolean;

  /** @throws WapTemplateError when the folder does not exist. */
  constructor(options: WapTemplatesOptions) {
    installJinjaCompat();
    let root: string;
    try {
      root = realpathSync(options.directory);
    } catch {
      throw new WapTemplateError(`templates folder not found: ${options.directory}`);
    }
    if (!statSync(root).isDirectory()) throw new WapTemplateError(`templates folder is not a folder: ${root}`);
    this.#sandbox = options.sandbox;
    // Crossbar's Jinja2 environment escapes every value (autoescape=True), in and out of the sandbox.
    this.#env = new nunjucks.Environment(new FolderLoader(root) as unknown as nunjucks.ILoader, {
      autoescape: true,
      throwOnUndefined: false,
    });
    this.#env.addFilter('tojson', tojson);
    // Jinja2's `none` test (nunjucks calls it `null`): Python's None arrives as null.
    (this.#env as unknown as { addTest(name: string, test: (v: unknown) => boolean): void }).addTest(
      'none',
      (v) => v === null,
    );
    if (this.#sandbox) this.#sandboxIncludes();
  }

  /**
   * Loads and compiles a template, now, so that a missing or broken template fails the start.
   * @throws WapTemplateError naming the template and what is wrong.
   */
  load(name: string): WapTemplate {
    let template: nunjucks.Template;
    try {
      template = this.#env.getTemplate(name, true);
    } catch (error) {
      throw new WapTemplateError(describeTemplateError(error), { cause: error });
    }
    if (this.#sandbox) sandboxed(template);
    return {
      render: (context) => template.render(context),
    };
  }

  /** Makes templates reached by `include`, `extends` and `import` run sandboxed too. */
  #sandboxIncludes(): void {
    const env = this.#env as unknown as { getTemplate: (...args: unknown[]) => unknown };
    const original = env.getTemplate.bind(env);
    env.getTemplate = (name: unknown, ...rest: unknown[]) => {
      const cb = rest.find((arg): arg is (err: unknown, t?: unknown) => void => typeof arg === 'function');
      if (cb === undefined) return sandboxed(original(name, ...rest) as nunjucks.Template);
      const args = rest.map((arg) =>
        arg === cb ? (err: unknown, t?: unknown) => cb(err, t && sandboxed(t as nunjucks.Template)) : arg,
      );
      return original(name, ...args);
    };
  }
}

const SANDBOXED = Symbol('wap sandboxed');

/** Has a template's compiled code run with {@link sandboxRuntime}. */
function sandboxed(template: nunjucks.Template): nunjucks.Template {
  const internals = template as unknown as TemplateInternals & { [SANDBOXED]?: true };
  if (internals[SANDBOXED] === true) return template;
  internals.compile();
  const root = internals.rootRenderFunc;
  internals.rootRenderFunc = (env, context, frame, _runtime, cb) => root(env, context, frame, sandboxRuntime, cb);
  internals[SANDBOXED] = true;
  return template;
}

/** A nunjucks error as one line, without the paths of the node's folders. */
export function describeTemplateError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

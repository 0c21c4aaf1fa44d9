/**
 * `function` authenticators and authorizers: Crossbar's Python callables, either as Crossbar
 * names them (`"create": "authenticator.create_authenticator"`, a Python module on the worker's
 * `options.pythonpath`, run in a Python child process of the node by
 * components/python-auth-function.ts) or written for Node as a JS module of the node directory:
 *
 * @example
 * "auth": {
 *   "ticket": {
 *     "type": "function",
 *     "create": "authenticator.mjs:create_authenticator",
 *     "config": { "tickets": { "joe": "secret!!!" } }
 *   }
 * },
 * ...
 * "roles": [{ "name": "frontend", "authorizer": { "type": "function", "create": "authorizer.mjs:create_authorizer" } }]
 *
 * As in Crossbar, the factory is called once at start with the block's `config` (`{}` without
 * one), may be async, and returns the function the router calls: `authenticate(realm, authid,
 * details)` for a transport method (answering like a dynamic authenticator procedure),
 * `authorize(session, uri, action, options)` for a role (answering like an authorizer
 * procedure). Without `:export`, the module's default export is the factory. A Python factory
 * is called as `create(config, controller)`: with `expose_controller`, the controller is the
 * node's (components/node-controller-api.ts: `controller.call('crossbar.get_status')` ...), else
 * None, as in Crossbar. A JS factory gets no controller, so `expose_controller` must be false for it.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@interchange/protocol';
import type { AuthenticateFunction, AuthorizeFunction } from '@interchange/router';
import { z } from 'zod';
import { PythonAuthFunction } from '../components/python-auth-function.js';
import type { PythonWorkerOptions } from '../components/python-hosting.js';
import { AUTOBAHN_INSTALL_HINT, findPython } from '../components/python-runtime.js';
import { type Logger, silentLogger } from '../logger.js';
import type { NodeController } from '../node-controller.js';
import { processEnvironment } from '../workers/process-environment.js';
import { formatPath } from './config-issues.js';
import type { NodeConfig } from './config-schema.js';
import type { KeyPath } from './config-walk.js';
import { boolean, isPlainObject, section, value } from './schema-builders.js';

/** `path/to/module.mjs` or `path/to/module.mjs:exportName` (`.js`, `.mjs`, `.cjs`). */
const CREATE = /^(.+\.[cm]?js)(?::([A-Za-z_$][\w$]*))?$/;
/** A Python factory as Crossbar names it: `module.function` (`package.module.function`). */
const PYTHON_CREATE = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

/** Whether a `create` names a Python factory (and not a JS module). */
export function isPythonCreate(create: string): boolean {
  return !CREATE.test(create) && PYTHON_CREATE.test(create);
}

/** A validated `function` block. */
export interface FunctionBlock {
  type: 'function';
  create: string;
  config?: Record<string, unknown> | undefined;
  expose_controller?: boolean | undefined;
}

/** The `function` variant of a transport auth method, and of a role's `authorizer`. */
export const functionBlockSchema = section({
  type: z.literal('function'),
  /** The Python factory (`module.function`), or the JS module (relative to the node directory) and its exported factory. */
  create: value<string>('a string', (v) => typeof v === 'string'),
  /** Handed to the factory. */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Hands the Python callable the node's controller (components/node-controller-api.ts). */
  expose_controller: boolean().optional(),
}).superRefine((block, ctx) => {
  // Both are valid for Crossbar, so both are "unsupported", with what to write instead.
  const python = isPythonCreate(block.create);
  if (!python && !CREATE.test(block.create))
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['create'],
      message: `expected a Python factory ("module.create_authenticator", on the worker's options.pythonpath) or a JS module of the node directory and its exported factory ("authenticator.mjs:create_authenticator"), got ${JSON.stringify(block.create)}`,
    });
  if (!python && block.expose_controller === true)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['expose_controller'],
      message: 'unsupported for a JS function: its factory gets no controller (leave it out)',
      params: { kind: 'unsupported' },
    });
}) as unknown as z.ZodType<FunctionBlock, z.ZodTypeDef, unknown>;

/** A role's `authorizer`: a procedure URI, or a `function` block. */
export function authorizerSchema(uri: z.ZodType<string, z.ZodTypeDef, unknown>) {
  return z.unknown().transform((input, ctx): string | FunctionBlock => {
    const result = (isPlainObject(input) ? functionBlockSchema : uri).safeParse(input);
    if (!result.success) {
      // Re-raised with paths relative to this value, as schema-builders' tagged() does.
      for (const issue of result.error.issues) ctx.addIssue(issue);
      return z.NEVER;
    }
    return result.data;
  });
}

/** The loaded function of each validated `function` block. */
const loaded = new WeakMap<object, (...args: never[]) => unknown>();

/** The function loaded for `block`. @throws InvalidArgumentError when it was not loaded. */
export function loadedFunction<F extends AuthenticateFunction | AuthorizeFunction>(block: FunctionBlock): F {
  const fn = loaded.get(block);
  if (fn === undefined) throw new InvalidArgumentError(`function ${block.create} was not loaded (loadAuthFunctions)`);
  return fn as unknown as F;
}

/** Whether a config value is a `function` block. */
function isFunctionBlock(v: unknown): v is FunctionBlock {
  return isPlainObject(v) && v.type === 'function' && typeof v.create === 'string';
}

/** Every `function` block of a config's auth methods and role authorizers, with its key path. */
function functionBlocks(config: NodeConfig): { path: KeyPath; block: FunctionBlock }[] {
  const found: { path: KeyPath; block: FunctionBlock }[] = [];
  const walk = (node: unknown, path: KeyPath): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, [...path, i]);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [key, child] of Object.entries(node)) {
      const at = [...path, key];
      if (key === 'auth' && isPlainObject(child)) {
        for (const [method, block] of Object.entries(child))
          if (isFunctionBlock(block)) found.push({ path: [...at, method], block });
      } else if (key === 'authorizer' && isFunctionBlock(child)) {
        found.push({ path: at, block: child });
      } else {
        walk(child, at);
      }
    }
  };
  walk(config.workers, ['workers']);
  return found;
}

/** The Python module each Python `function` block names (its top-level package), with its worker, for `check`. */
export function pythonFunctionsOf(config: NodeConfig): { path: KeyPath; worker: number; module: string }[] {
  return functionBlocks(config).flatMap(({ path, block }) =>
    isPythonCreate(block.create)
      ? [{ path: [...path, 'create'], worker: path[1] as number, module: block.create.split('.')[0] ?? '' }]
      : [],
  );
}

/** The module file each JS `function` block names (as written, relative to the node directory), for `check`. */
export function functionModulesOf(config: NodeConfig): { path: KeyPath; file: string }[] {
  return functionBlocks(config).flatMap(({ path, block }) => {
    const file = CREATE.exec(block.create)?.[1];
    return file === undefined ? [] : [{ path: [...path, 'create'], file }];
  });
}

/** Starts the Python process of a Python `function` block and creates its function there. */
async function loadPythonFunction(
  config: NodeConfig,
  path: KeyPath,
  block: FunctionBlock,
  cbdir: string,
  logger: Logger,
  controller: NodeController | undefined,
): Promise<PythonAuthFunction> {
  const where = `${formatPath([...path, 'create'])} (${block.create})`;
  const worker = (config.workers[path[1] as number] as { options?: PythonWorkerOptions } | undefined)?.options;
  const probe = await findPython(worker?.python);
  if (!probe.ok)
    throw new InvalidArgumentError(`${where} is a Python function: ${probe.reason}; ${AUTOBAHN_INSTALL_HINT}`);
  const host = new PythonAuthFunction({
    where,
    create: block.create,
    config: block.config ?? {},
    controller:
      block.expose_controller === true ? controller?.link(path[1] as number, `function ${block.create}`) : undefined,
    python: probe.runtime.executable,
    pythonpath: (worker?.pythonpath ?? []).map((p) => (isAbsolute(p) ? p : resolve(cbdir, p))),
    cwd: cbdir,
    env: processEnvironment(worker?.env, process.env),
    logger,
  });
  try {
    await host.start();
  } catch (error) {
    throw new InvalidArgumentError(`${where}: ${(error as Error).message}`, { cause: error });
  }
  return host;
}

/**
 * Loads the function of every `function` block of `config` and keeps it for
 * {@link loadedFunction}: a JS module is imported and its factory called with the block's
 * `config`; a Python factory is called in a Python child process of its own. Run once at start,
 * before the router and transports are built; returns the Python processes, which the node
 * stops at shutdown.
 *
 * @throws InvalidArgumentError naming the key when a module, its export or the factory's result is unusable.
 */
export async function loadAuthFunctions(
  config: NodeConfig,
  cbdir: string,
  logger: Logger = silentLogger,
  controller?: NodeController,
): Promise<PythonAuthFunction[]> {
  const hosts: PythonAuthFunction[] = [];
  try {
    for (const { path, block } of functionBlocks(config)) {
      if (loaded.has(block)) continue;
      if (isPythonCreate(block.create)) {
        const host = await loadPythonFunction(config, path, block, cbdir, logger, controller);
        hosts.push(host);
        loaded.set(block, host.call);
        continue;
      }
      await loadJsFunction(path, block, cbdir);
    }
  } catch (error) {
    await Promise.all(hosts.map((host) => host.stop(1000)));
    throw error;
  }
  return hosts;
}

/** Imports a JS `function` block's module and calls its factory. */
async function loadJsFunction(path: KeyPath, block: FunctionBlock, cbdir: string): Promise<void> {
  const [, file, exportName = 'default'] = CREATE.exec(block.create) as RegExpExecArray;
  const where = `${formatPath([...path, 'create'])} (${block.create})`;
  let module: Record<string, unknown>;
  try {
    module = (await import(
      pathToFileURL(isAbsolute(file as string) ? (file as string) : resolve(cbdir, file as string)).href
    )) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(`${where}: cannot load the module: ${(error as Error).message}`, { cause: error });
  }
  const factory = module[exportName];
  if (typeof factory !== 'function')
    throw new InvalidArgumentError(`${where}: the module has no exported function ${exportName}`);
  let fn: unknown;
  try {
    fn = await (factory as (config: Record<string, unknown>) => unknown)(block.config ?? {});
  } catch (error) {
    throw new InvalidArgumentError(`${where}: the factory threw: ${(error as Error).message}`, { cause: error });
  }
  if (typeof fn !== 'function')
    throw new InvalidArgumentError(`${where}: the factory must return the function to call, got ${typeof fn}`);
  loaded.set(block, fn as (...args: never[]) => unknown);
}

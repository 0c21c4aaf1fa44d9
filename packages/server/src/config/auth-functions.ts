/**
 * `function` authenticators and authorizers: Crossbar's Python callables, written for Node as a
 * JS module of the node directory. The config names the module and its exported factory:
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
 * procedure). Without `:export`, the module's default export is the factory. Crossbar's
 * `expose_controller` (its Python worker controller) has no counterpart and must be false.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@interchange/protocol';
import type { AuthenticateFunction, AuthorizeFunction } from '@interchange/router';
import { z } from 'zod';
import { formatPath } from './config-issues.js';
import type { NodeConfig } from './config-schema.js';
import type { KeyPath } from './config-walk.js';
import { boolean, isPlainObject, section, value } from './schema-builders.js';

/** `path/to/module.mjs` or `path/to/module.mjs:exportName` (`.js`, `.mjs`, `.cjs`). */
const CREATE = /^(.+\.[cm]?js)(?::([A-Za-z_$][\w$]*))?$/;

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
  /** The JS module (relative to the node directory) and its exported factory. */
  create: value<string>('a string', (v) => typeof v === 'string'),
  /** Handed to the factory. */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Crossbar's worker controller for the Python callable; Interchange has none to expose. */
  expose_controller: boolean().optional(),
}).superRefine((block, ctx) => {
  // Both are valid for Crossbar, so both are "unsupported", with what to write instead.
  if (!CREATE.test(block.create))
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['create'],
      message: `a Python callable cannot run in Interchange, got ${JSON.stringify(block.create)}: name a JS module of the node directory and its exported factory, e.g. "authenticator.mjs:create_authenticator"`,
      params: { kind: 'unsupported' },
    });
  if (block.expose_controller === true)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['expose_controller'],
      message: 'unsupported: Interchange has no Python worker controller to hand to the function (leave it out)',
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

/** The module file each `function` block names (as written, relative to the node directory), for `check`. */
export function functionModulesOf(config: NodeConfig): { path: KeyPath; file: string }[] {
  return functionBlocks(config).flatMap(({ path, block }) => {
    const file = CREATE.exec(block.create)?.[1];
    return file === undefined ? [] : [{ path: [...path, 'create'], file }];
  });
}

/**
 * Imports the module of every `function` block of `config`, calls its factory with the block's
 * `config` and keeps the function it returns, for {@link loadedFunction}. Run once at start,
 * before the router and transports are built.
 *
 * @throws InvalidArgumentError naming the key when a module, its export or the factory's result is unusable.
 */
export async function loadAuthFunctions(config: NodeConfig, cbdir: string): Promise<void> {
  for (const { path, block } of functionBlocks(config)) {
    if (loaded.has(block)) continue;
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
}

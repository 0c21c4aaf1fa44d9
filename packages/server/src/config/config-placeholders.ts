/**
 * Values a Crossbar config reads from the environment, at the keys where Crossbar reads them and
 * in the syntax Crossbar accepts there (docs/crossbar-migration.md, "Config files and
 * placeholders"):
 *
 * - `"${VAR}"` as the whole value of a static ticket principal's `ticket` and of a static
 *   WAMP-CRA user's `secret`, so secrets stay out of the config file;
 * - `"$VAR"` as the whole value of a listening endpoint's `port` (`"${VAR}"` is accepted too);
 * - `"${VAR}"` as a worker's `options.disabled`: any non-empty value disables the worker.
 *
 * Anywhere else, and in any other form, `$` is an ordinary character: a ticket `"$ecret"` is that
 * string. Where Crossbar logs a warning for an unset variable and carries on with no value (so the
 * principal can never log in), Interchange refuses the config naming the key and the variable.
 *
 * Also here: configs that are Crossbar templates (`{{ realm }}`, rendered by `crossbar init
 * --template`), which are not configs yet.
 */
import { type ConfigIssue, formatPath } from './config-issues.js';
import { isPlainObject } from './schema-builders.js';

/** The environment placeholders are read from. */
export type Environment = Readonly<Record<string, string | undefined>>;

type Path = (string | number)[];

/** `${VAR}`, the whole value (Crossbar: any characters between the braces). */
const BRACED = /^\$\{(.+)\}$/;
/** `$VAR`, the whole value, a POSIX-style name. */
const BARE = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;
/** A Jinja2 expression or statement of a template. */
const TEMPLATE = /\{\{.*?\}\}|\{%.*?%\}/;

/** The result of {@link resolvePlaceholders}. */
export interface ResolvedPlaceholders {
  /** The config with placeholders replaced (a copy; the input is not changed). */
  config: unknown;
  /** One issue per unset variable. */
  issues: ConfigIssue[];
}

/** The name of the variable a placeholder value names, or undefined when it is no placeholder. */
function placeholderName(value: unknown, syntax: 'braced' | 'port'): string | undefined {
  if (typeof value !== 'string') return undefined;
  const braced = BRACED.exec(value)?.[1];
  if (braced !== undefined) return braced;
  return syntax === 'port' ? BARE.exec(value)?.[1] : undefined;
}

function entries(value: unknown): [string, unknown][] {
  return isPlainObject(value) ? Object.entries(value) : [];
}

function items(value: unknown): [number, unknown][] {
  return Array.isArray(value) ? [...value.entries()] : [];
}

/** The `auth` blocks of a router worker's transport: its own, and those of its paths and parts. */
function* authBlocksOf(transport: unknown, at: Path): Generator<{ auth: unknown; at: Path }> {
  if (!isPlainObject(transport)) return;
  if (transport.auth !== undefined) yield { auth: transport.auth, at: [...at, 'auth'] };
  const paths = (value: unknown, base: Path) => entries(value).map(([key, path]) => ({ path, at: [...base, key] }));
  const services = [
    ...paths(transport.paths, [...at, 'paths']),
    ...paths(transport.websocket, [...at, 'websocket']),
    ...(isPlainObject(transport.web) ? paths(transport.web.paths, [...at, 'web', 'paths']) : []),
    ...(transport.rawsocket === undefined ? [] : [{ path: transport.rawsocket, at: [...at, 'rawsocket'] }]),
  ];
  for (const service of services) {
    if (isPlainObject(service.path) && service.path.auth !== undefined)
      yield { auth: service.path.auth, at: [...service.at, 'auth'] };
    // Nested path services (Crossbar's `path` type) carry their own paths.
    if (isPlainObject(service.path) && service.path.paths !== undefined)
      yield* authBlocksOf({ paths: service.path.paths }, service.at);
  }
}

/**
 * A copy of the lists and plain objects of a config; anything else (a function or class instance
 * a program hands to a component in `extra`) is kept by reference.
 */
function copyTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyTree);
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = copyTree(item);
  return copy;
}

/**
 * Replaces the environment placeholders of a parsed config file.
 *
 * @example
 * const { config, issues } = resolvePlaceholders(JSON.parse(text), process.env);
 */
export function resolvePlaceholders(raw: unknown, env: Environment): ResolvedPlaceholders {
  const config = copyTree(raw);
  const issues: ConfigIssue[] = [];
  const replace = (
    holder: Record<string, unknown>,
    key: string,
    at: Path,
    syntax: 'braced' | 'port',
    convert: (value: string) => unknown = (v) => v,
  ): void => {
    const name = placeholderName(holder[key], syntax);
    if (name === undefined) return;
    const value = env[name];
    if (value === undefined) {
      issues.push({
        path: formatPath([...at, key]),
        message: `environment variable ${name} is not set (the value ${JSON.stringify(holder[key])} is read from it)`,
        kind: 'invalid',
      });
      return;
    }
    holder[key] = convert(value);
  };
  for (const [w, worker] of items(isPlainObject(config) ? config.workers : undefined)) {
    if (!isPlainObject(worker)) continue;
    if (isPlainObject(worker.options) && typeof worker.options.disabled === 'string') {
      // Crossbar: an unset variable or an empty value leaves the worker enabled.
      const name = placeholderName(worker.options.disabled, 'braced');
      if (name !== undefined) {
        worker.options.disabled = (env[name] ?? '') !== '';
      }
    }
    for (const [t, transport] of items(worker.transports)) {
      const at: Path = ['workers', w, 'transports', t];
      if (isPlainObject(transport) && isPlainObject(transport.endpoint)) {
        replace(transport.endpoint, 'port', [...at, 'endpoint'], 'port', (v) => (/^\d+$/.test(v) ? Number(v) : v));
      }
      for (const block of authBlocksOf(transport, at)) {
        if (!isPlainObject(block.auth)) continue;
        const { ticket, wampcra } = block.auth;
        if (isPlainObject(ticket) && ticket.type === 'static') {
          for (const [authid, principal] of entries(ticket.principals)) {
            if (isPlainObject(principal))
              replace(principal, 'ticket', [...block.at, 'ticket', 'principals', authid], 'braced');
          }
        }
        if (isPlainObject(wampcra) && wampcra.type === 'static') {
          for (const [authid, user] of entries(wampcra.users)) {
            if (isPlainObject(user)) replace(user, 'secret', [...block.at, 'wampcra', 'users', authid], 'braced');
          }
        }
      }
    }
  }
  return { config, issues };
}

/**
 * The places of a config that hold template expressions (`{{ realm }}`): such a file is a
 * Crossbar template, to be rendered before it is a config. One issue per place; values under
 * `extra` (passed to components and clients as they are) are not looked at.
 */
export function templateIssues(raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, at: Path): void => {
    if (typeof value === 'string') {
      const found = TEMPLATE.exec(value)?.[0];
      if (found !== undefined) {
        issues.push({
          path: formatPath(at),
          message:
            `template expression ${JSON.stringify(found)}: this file is a Crossbar config template (what ` +
            '"crossbar init --template" renders), not a node config, and Interchange does not render templates; ' +
            'replace each {{ ... }} with its value, or start from "interchange init"',
          kind: 'unsupported',
        });
      }
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, [...at, i]);
    } else if (isPlainObject(value)) {
      // `extra` is the application's own data, which may well hold templates of its own.
      for (const [key, item] of Object.entries(value)) if (key !== 'extra') walk(item, [...at, key]);
    }
  };
  walk(raw, []);
  return issues;
}

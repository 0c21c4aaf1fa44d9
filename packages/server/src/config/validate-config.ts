/**
 * Validation of a parsed config: the schema, then what a schema cannot see — references between
 * sections (a component's realm must exist), clashing listeners, and files the config points at.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { componentLanguage } from '../components/component-language.js';
import { IpAllowList } from '../web/ip-allowlist.js';
import { ConfigError, type ConfigIssue, formatPath, issuesFromZod } from './config-issues.js';
import {
  BuiltinComponent,
  isBuiltinComponent,
  messageForwarderExtraSchema,
  type NodeConfig,
  nodeConfigSchema,
  type RealmConfigEntry,
  type RouterWorkerConfig,
  restCalleeExtraSchema,
} from './config-schema.js';
import { type KeyPath, localTargetOf, sessionServicesOf, webPathsOf } from './config-walk.js';
import { checkPythonComponents } from './python-check.js';

/** The result of {@link validateConfig}. */
export type ValidationResult = { ok: true; config: NodeConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates a parsed config file (the value `JSON.parse` or YAML gave).
 *
 * @param options.cbdir - when given, also checks that static directories, component modules and
 *   TLS files exist (they resolve relative to it).
 * @example
 * const result = await validateConfig(JSON.parse(text), { cbdir: '.interchange' });
 * if (!result.ok) for (const issue of result.issues) console.error(formatIssue(issue));
 */
export async function validateConfig(raw: unknown, options: { cbdir?: string } = {}): Promise<ValidationResult> {
  const parsed = nodeConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error, raw) };
  const config = parsed.data;
  const issues = crossCheck(config, options.cbdir ?? process.cwd());
  if (options.cbdir !== undefined) {
    const cbdir = options.cbdir;
    issues.push(...(await checkFiles(config, cbdir)));
    issues.push(...(await checkPythonComponents(config, (path) => resolveInCbdir(cbdir, path))));
  }
  return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
}

/** Like {@link validateConfig} but throws {@link ConfigError}. */
export async function parseConfig(raw: unknown, options: { cbdir?: string; file?: string } = {}): Promise<NodeConfig> {
  const result = await validateConfig(raw, options.cbdir === undefined ? {} : { cbdir: options.cbdir });
  if (!result.ok) throw new ConfigError(result.issues, options.file === undefined ? {} : { file: options.file });
  return result.config;
}

/** Resolves a path of the config against the cbdir (the config file's directory). */
export function resolveInCbdir(cbdir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cbdir, path);
}

function invalid(path: KeyPath, message: string): ConfigIssue {
  return { path: formatPath(path), message, kind: 'invalid' };
}

/** Checks that `realm` exists in `worker` (and `role` in it, when the realm has roles). */
function checkRealmAndRole(
  worker: RouterWorkerConfig,
  w: number,
  at: KeyPath,
  realm: string,
  role: string | undefined,
  issues: ConfigIssue[],
): void {
  const found: RealmConfigEntry | undefined = worker.realms.find((r) => r.name === realm);
  if (found === undefined) {
    const defined = worker.realms.map((r) => JSON.stringify(r.name)).join(', ') || 'none';
    issues.push(
      invalid([...at, 'realm'], `no realm ${JSON.stringify(realm)} in workers[${w}].realms (defined: ${defined})`),
    );
  } else if (role !== undefined && found.roles !== undefined && !found.roles.some((r) => r.name === role)) {
    issues.push(invalid([...at, 'role'], `no role ${JSON.stringify(role)} in realm ${JSON.stringify(realm)}`));
  }
}

/** Checks the `extra` of a built-in component against its schema. */
function checkBuiltinExtra(classname: string, extra: unknown, at: KeyPath, issues: ConfigIssue[]): void {
  if (!isBuiltinComponent(classname)) return;
  const schema: z.ZodTypeAny =
    classname === BuiltinComponent.REST_CALLEE ? restCalleeExtraSchema : messageForwarderExtraSchema;
  const result = schema.safeParse(extra);
  if (result.success) return;
  for (const issue of issuesFromZod(result.error, extra)) {
    const inner = issue.path === '(root)' ? '' : issue.path.startsWith('[') ? issue.path : `.${issue.path}`;
    issues.push({ ...issue, path: `${formatPath([...at, 'extra'])}${inner}` });
  }
}

function checkRouterWorker(worker: RouterWorkerConfig, w: number, issues: ConfigIssue[]): void {
  const realmIndex = new Map<string, number>();
  worker.realms.forEach((realm, r) => {
    const first = realmIndex.get(realm.name);
    if (first !== undefined) {
      issues.push(
        invalid(
          ['workers', w, 'realms', r, 'name'],
          `duplicate realm ${JSON.stringify(realm.name)} (also workers[${w}].realms[${first}])`,
        ),
      );
    } else realmIndex.set(realm.name, r);
    const roleNames = new Set<string>();
    (realm.roles ?? []).forEach((role, o) => {
      if (roleNames.has(role.name)) {
        issues.push(
          invalid(
            ['workers', w, 'realms', r, 'roles', o, 'name'],
            `duplicate role ${JSON.stringify(role.name)} in realm ${JSON.stringify(realm.name)}`,
          ),
        );
      }
      roleNames.add(role.name);
    });
  });
  worker.components.forEach((component, c) => {
    checkRealmAndRole(worker, w, ['workers', w, 'components', c], component.realm, component.role, issues);
    checkBuiltinExtra(component.classname, component.extra, ['workers', w, 'components', c], issues);
  });
  for (const service of sessionServicesOf(worker)) {
    const role = service.anonymousRole;
    if (role === undefined || worker.realms.length === 0) continue;
    const usable = worker.realms.some((realm) => realm.roles === undefined || realm.roles.some((x) => x.name === role));
    if (!usable) {
      issues.push(
        invalid(
          ['workers', w, ...service.path, 'auth', 'anonymous', 'role'],
          `role ${JSON.stringify(role)} is not defined in any realm of workers[${w}]`,
        ),
      );
    }
  }
  worker.transports.forEach((transport, t) => {
    for (const entry of webPathsOf(transport, t)) {
      const path = entry.config;
      if (path.type === 'publisher' || path.type === 'caller' || path.type === 'webhook') {
        checkRealmAndRole(worker, w, ['workers', w, ...entry.path], path.realm, path.role ?? 'anonymous', issues);
        (path.options?.require_ip ?? []).forEach((network, i) => {
          try {
            IpAllowList.parse([network]);
          } catch (error) {
            issues.push(
              invalid(
                ['workers', w, ...entry.path, 'options', 'require_ip', i],
                (error as Error).message.replace(/^require_ip: /, ''),
              ),
            );
          }
        });
      }
    }
  });
}

function crossCheck(config: NodeConfig, cbdir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const tcpListeners: { path: KeyPath; port: number; host: string | undefined }[] = [];
  const unixListeners = new Map<string, KeyPath>();
  config.workers.forEach((worker, w) => {
    if (worker.type === 'container') {
      worker.components.forEach((component, c) => {
        const at: KeyPath = ['workers', w, 'components', c];
        checkBuiltinExtra(component.classname, component.extra, at, issues);
        const target = localTargetOf(config, component, (p) => resolveInCbdir(cbdir, p));
        const router = target === undefined ? undefined : config.workers[target.worker];
        if (target !== undefined && router?.type === 'router')
          checkRealmAndRole(router, target.worker, at, component.realm, undefined, issues);
      });
      return;
    }
    if (worker.type !== 'router') return;
    checkRouterWorker(worker, w, issues);
    worker.transports.forEach((transport, t) => {
      const endpoint = transport.endpoint;
      if (endpoint.type === 'unix') {
        const file = resolveInCbdir(cbdir, endpoint.path);
        const clash = unixListeners.get(file);
        const path = ['workers', w, 'transports', t, 'endpoint', 'path'];
        if (clash) issues.push(invalid(path, `socket ${file} is already used by ${formatPath(clash.slice(0, 4))}`));
        unixListeners.set(file, path);
        return;
      }
      const { port, interface: host } = endpoint;
      const path = ['workers', w, 'transports', t, 'endpoint', 'port'];
      if (port === 0) return;
      const clash = tcpListeners.find(
        (l) => l.port === port && (l.host === undefined || host === undefined || l.host === host),
      );
      if (clash) issues.push(invalid(path, `port ${port} is already used by ${formatPath(clash.path.slice(0, 4))}`));
      tcpListeners.push({ path, port, host });
    });
  });
  return issues;
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/** Every file a config points at, with its key path and whether it is a directory. */
function* filesOf(
  config: NodeConfig,
): Generator<{ path: KeyPath; file: string; kind: 'file' | 'directory'; what: string }> {
  for (const [w, worker] of config.workers.entries()) {
    if (worker.type === 'guest') {
      if (worker.options?.workdir !== undefined) {
        yield {
          path: ['workers', w, 'options', 'workdir'],
          file: worker.options.workdir,
          kind: 'directory',
          what: 'directory',
        };
      }
      for (const [i, directory] of (worker.options?.watch?.directories ?? []).entries()) {
        yield {
          path: ['workers', w, 'options', 'watch', 'directories', i],
          file: directory,
          kind: 'directory',
          what: 'directory',
        };
      }
      continue;
    }
    const transports = worker.type === 'router' ? worker.transports : [];
    for (const [t, transport] of transports.entries()) {
      const tls = transport.endpoint.type === 'tcp' ? transport.endpoint.tls : undefined;
      if (tls !== undefined) {
        const at: KeyPath = ['workers', w, 'transports', t, 'endpoint', 'tls'];
        yield { path: [...at, 'key'], file: tls.key, kind: 'file', what: 'file' };
        yield { path: [...at, 'certificate'], file: tls.certificate, kind: 'file', what: 'file' };
        if (tls.dhparam !== undefined)
          yield { path: [...at, 'dhparam'], file: tls.dhparam, kind: 'file', what: 'file' };
        for (const [i, file] of (tls.chain_certificates ?? []).entries())
          yield { path: [...at, 'chain_certificates', i], file, kind: 'file', what: 'file' };
        for (const [i, file] of (tls.ca_certificates ?? []).entries())
          yield { path: [...at, 'ca_certificates', i], file, kind: 'file', what: 'file' };
      }
      for (const entry of webPathsOf(transport, t)) {
        if (entry.config.type !== 'static') continue;
        yield {
          path: ['workers', w, ...entry.path, 'directory'],
          file: entry.config.directory,
          kind: 'directory',
          what: 'directory',
        };
      }
    }
    const components = worker.components as { classname: string }[];
    for (const [c, component] of components.entries()) {
      // Python classnames are checked by python-check.ts.
      if (componentLanguage(component.classname) !== 'js') continue;
      yield {
        path: ['workers', w, 'components', c, 'classname'],
        file: component.classname,
        kind: 'file',
        what: 'module',
      };
    }
    if (worker.type === 'container') {
      for (const [c, component] of worker.components.entries()) {
        const endpoint = component.transport.endpoint;
        const tls = endpoint.type === 'tcp' ? endpoint.tls : undefined;
        const at: KeyPath = ['workers', w, 'components', c, 'transport', 'endpoint', 'tls'];
        for (const [i, file] of (tls?.ca_certificates ?? []).entries())
          yield { path: [...at, 'ca_certificates', i], file, kind: 'file', what: 'file' };
        if (tls?.certificate !== undefined)
          yield { path: [...at, 'certificate'], file: tls.certificate, kind: 'file', what: 'file' };
        if (tls?.key !== undefined) yield { path: [...at, 'key'], file: tls.key, kind: 'file', what: 'file' };
      }
    }
  }
}

async function checkFiles(config: NodeConfig, cbdir: string): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const entry of filesOf(config)) {
    const file = resolveInCbdir(cbdir, entry.file);
    if ((await kindOf(file)) === entry.kind) continue;
    const message =
      entry.what === 'module'
        ? `module not found: ${file} (classname is the path of a JS module, relative to the config file's directory)`
        : `${entry.what} not found: ${file}`;
    issues.push(invalid(entry.path, message));
  }
  return issues;
}

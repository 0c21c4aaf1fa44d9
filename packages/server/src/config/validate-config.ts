/**
 * Validation of a parsed config: the schema, then what a schema cannot see — references between
 * sections (a component's realm must exist), clashing listeners, and files the config points at.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, formatPath, issuesFromZod } from './config-issues.js';
import { type NodeConfig, nodeConfigSchema, type RouterWorkerConfig, type WebSocketPathConfig } from './config-schema.js';

/** The result of {@link validateConfig}. */
export type ValidationResult = { ok: true; config: NodeConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates a parsed config file (the value `JSON.parse` or YAML gave).
 *
 * @param options.cbdir - when given, also checks that static directories and component modules
 *   exist (they resolve relative to it).
 * @example
 * const result = await validateConfig(JSON.parse(text), { cbdir: '.interchange' });
 * if (!result.ok) for (const issue of result.issues) console.error(formatIssue(issue));
 */
export async function validateConfig(raw: unknown, options: { cbdir?: string } = {}): Promise<ValidationResult> {
  const parsed = nodeConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error, raw) };
  const config = parsed.data;
  const issues = crossCheck(config);
  if (options.cbdir !== undefined) issues.push(...(await checkFiles(config, options.cbdir)));
  return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
}

/** Like {@link validateConfig} but throws {@link ConfigError}. */
export async function parseConfig(raw: unknown, options: { cbdir?: string; file?: string } = {}): Promise<NodeConfig> {
  const result = await validateConfig(raw, options.cbdir === undefined ? {} : { cbdir: options.cbdir });
  if (!result.ok) throw new ConfigError(result.issues, options.file === undefined ? {} : { file: options.file });
  return result.config;
}

function invalid(path: (string | number)[], message: string): ConfigIssue {
  return { path: formatPath(path), message, kind: 'invalid' };
}

/** Each WebSocket service of a worker with its key path: transports and web paths alike. */
export function webSocketServices(worker: RouterWorkerConfig): { path: (string | number)[]; config: WebSocketPathConfig }[] {
  const out: { path: (string | number)[]; config: WebSocketPathConfig }[] = [];
  worker.transports.forEach((transport, t) => {
    if (transport.type === 'websocket') out.push({ path: ['transports', t], config: transport });
    else {
      for (const [key, service] of Object.entries(transport.paths)) {
        if (service.type === 'websocket') out.push({ path: ['transports', t, 'paths', key], config: service });
      }
    }
  });
  return out;
}

function crossCheck(config: NodeConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const listeners: { path: (string | number)[]; port: number; host: string | undefined }[] = [];
  config.workers.forEach((worker, w) => {
    const realmIndex = new Map<string, number>();
    worker.realms.forEach((realm, r) => {
      const first = realmIndex.get(realm.name);
      if (first !== undefined) {
        issues.push(invalid(['workers', w, 'realms', r, 'name'], `duplicate realm ${JSON.stringify(realm.name)} (also workers[${w}].realms[${first}])`));
      } else realmIndex.set(realm.name, r);
      const roleNames = new Set<string>();
      (realm.roles ?? []).forEach((role, o) => {
        if (roleNames.has(role.name)) {
          issues.push(invalid(['workers', w, 'realms', r, 'roles', o, 'name'], `duplicate role ${JSON.stringify(role.name)} in realm ${JSON.stringify(realm.name)}`));
        }
        roleNames.add(role.name);
      });
    });
    const defined = [...realmIndex.keys()].map((n) => JSON.stringify(n)).join(', ') || 'none';
    worker.components.forEach((component, c) => {
      const r = realmIndex.get(component.realm);
      const realm = r === undefined ? undefined : worker.realms[r];
      if (realm === undefined) {
        issues.push(invalid(['workers', w, 'components', c, 'realm'], `no realm ${JSON.stringify(component.realm)} in workers[${w}].realms (defined: ${defined})`));
      } else if (component.role !== undefined && realm.roles !== undefined && !realm.roles.some((role) => role.name === component.role)) {
        issues.push(invalid(['workers', w, 'components', c, 'role'], `no role ${JSON.stringify(component.role)} in realm ${JSON.stringify(realm.name)}`));
      }
    });
    for (const service of webSocketServices(worker)) {
      const role = service.config.auth?.anonymous?.role;
      if (role === undefined || worker.realms.length === 0) continue;
      const usable = worker.realms.some((realm) => realm.roles === undefined || realm.roles.some((x) => x.name === role));
      if (!usable) {
        issues.push(invalid(['workers', w, ...service.path, 'auth', 'anonymous', 'role'], `role ${JSON.stringify(role)} is not defined in any realm of workers[${w}]`));
      }
    }
    worker.transports.forEach((transport, t) => {
      const { port, interface: host } = transport.endpoint;
      const path = ['workers', w, 'transports', t, 'endpoint', 'port'];
      if (port === 0) return;
      const clash = listeners.find((l) => l.port === port && (l.host === undefined || host === undefined || l.host === host));
      if (clash) issues.push(invalid(path, `port ${port} is already used by ${formatPath(clash.path.slice(0, 4))}`));
      listeners.push({ path, port, host });
    });
  });
  return issues;
}

/** Resolves a path of the config against the cbdir (the config file's directory). */
export function resolveInCbdir(cbdir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cbdir, path);
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

async function checkFiles(config: NodeConfig, cbdir: string): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const [w, worker] of config.workers.entries()) {
    for (const [t, transport] of worker.transports.entries()) {
      if (transport.type !== 'web') continue;
      for (const [key, service] of Object.entries(transport.paths)) {
        if (service.type !== 'static') continue;
        const dir = resolveInCbdir(cbdir, service.directory);
        if ((await kindOf(dir)) !== 'directory') {
          issues.push(invalid(['workers', w, 'transports', t, 'paths', key, 'directory'], `directory not found: ${dir}`));
        }
      }
    }
    for (const [c, component] of worker.components.entries()) {
      const file = resolveInCbdir(cbdir, component.classname);
      if ((await kindOf(file)) !== 'file') {
        issues.push(
          invalid(['workers', w, 'components', c, 'classname'], `module not found: ${file} (classname is the path of a JS module, relative to the config file's directory)`),
        );
      }
    }
  }
  return issues;
}

/**
 * Validation of a parsed config, in one pass that reports every problem: template expressions
 * and environment placeholders, the schema, then what a schema cannot see (references between
 * sections: a component's realm must exist; clashing listeners; files the config points at).
 * When the schema finds problems, the parts that did parse are still cross-checked and
 * file-checked (config-salvage.ts), so fixing the reported problems does not uncover new ones.
 */

import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { componentLanguage } from '../components/component-language.js';
import { IpAllowList } from '../web/ip-allowlist.js';
import { functionModulesOf } from './auth-functions.js';
import {
  ConfigError,
  type ConfigIssue,
  type ExplainIssue,
  formatPath,
  isError,
  issuesFromZod,
  valueAt,
} from './config-issues.js';
import { type Environment, resolvePlaceholders, templateIssues } from './config-placeholders.js';
import { salvage } from './config-salvage.js';
import {
  BuiltinComponent,
  isBuiltinComponent,
  messageForwarderExtraSchema,
  type NodeConfig,
  nodeConfigSchema,
  type RouterWorkerConfig,
  restCalleeExtraSchema,
} from './config-schema.js';
import { allWebPathsOf, type KeyPath, localTargetOf, sessionServicesOf } from './config-walk.js';
import { refusalAt, refusalMessage } from './crossbar-refusals.js';
import { checkGuestExecutables } from './guest-check.js';
import { checkPythonComponents } from './python-check.js';
import { checkPythonCode } from './python-code-check.js';
import { RLINKS_IN_CLUSTER } from './rlink-schema.js';
import { routerProcessIssues, sharesPortWith } from './router-processes.js';
import { isPlainObject } from './schema-builders.js';
import { ssePathProblems } from './sse-path-check.js';
import { wapPathProblems } from './wap-path-check.js';

/**
 * The result of {@link validateConfig}. A valid config may come with warnings (e.g. a static
 * directory that does not exist: the node starts and answers 404 there, as Crossbar does); an
 * invalid one lists every problem, warnings included.
 */
export type ValidationResult =
  | { ok: true; config: NodeConfig; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[] };

/** Options of {@link validateConfig}. */
export interface ValidateOptions {
  /**
   * When given, also checks that static directories, component modules and TLS files exist
   * (they resolve relative to it).
   */
  cbdir?: string | undefined;
  /** Where `${VAR}` placeholders are read from; `process.env` by default. */
  env?: Environment | undefined;
}

/** A refused Crossbar key gets its reason and alternative instead of the schema's message. */
const explainRefusal: ExplainIssue = (path, value) => {
  const refusal = refusalAt(path, value);
  return refusal === undefined ? undefined : { message: refusalMessage(refusal), kind: 'unsupported' };
};

/**
 * Validates a parsed config file (the value `JSON.parse` or YAML gave).
 *
 * @example
 * const result = await validateConfig(JSON.parse(text), { cbdir: '.interchange' });
 * if (!result.ok) for (const issue of result.issues) console.error(formatIssue(issue));
 */
export async function validateConfig(raw: unknown, options: ValidateOptions = {}): Promise<ValidationResult> {
  // A template is not a config yet: its other problems would all be echoes of the placeholders.
  const templates = templateIssues(raw);
  if (templates.length > 0) return { ok: false, issues: templates };

  const placeholders = resolvePlaceholders(raw, options.env ?? process.env);
  const input = placeholders.config;
  const issues: ConfigIssue[] = [...placeholders.issues];
  // An unset variable is reported once, not again as the wrong type of the literal.
  const placeheld = new Set(placeholders.issues.map((issue) => issue.path));
  const fromSchema = (zodIssues: readonly z.ZodIssue[]) =>
    issuesFromZod(zodIssues, input, explainRefusal).filter((issue) => !placeheld.has(issue.path));

  let view: ConfigView;
  const parsed = nodeConfigSchema.safeParse(input);
  if (parsed.success) view = { config: parsed.data, raw: input, original: (path) => path, removedBelow: () => false };
  else {
    issues.push(...fromSchema(parsed.error.issues));
    // A wrong or missing `version` is reported above; the rest is still checked as version 2.
    const versioned = isPlainObject(input) && input.version !== 2 ? { ...input, version: 2 } : input;
    const kept = salvage(nodeConfigSchema, versioned, nodeConfigSchema.safeParse(versioned).error?.issues ?? []);
    issues.push(...fromSchema(kept.laterIssues));
    if (kept.data === undefined) return { ok: false, issues: dedupe(issues) };
    view = { config: kept.data, raw: input, original: kept.originalPath, removedBelow: kept.removedBelow };
  }
  issues.push(...crossCheck(view, options.cbdir ?? process.cwd()));
  if (options.cbdir !== undefined) {
    const cbdir = options.cbdir;
    issues.push(...(await checkFiles(view, cbdir)));
    issues.push(...(await checkPythonComponents(view.config, (path) => resolveInCbdir(cbdir, path))));
    issues.push(...(await checkPythonCode(view.config, (path) => resolveInCbdir(cbdir, path))));
    issues.push(...(await checkGuestExecutables(view.config, (path) => resolveInCbdir(cbdir, path))));
  }
  const all = dedupe(issues);
  if (parsed.success && !all.some(isError)) return { ok: true, config: parsed.data, warnings: all };
  return { ok: false, issues: all };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Validates like {@link validateConfig} and returns the config; warnings go to `onWarning`.
 * @throws ConfigError listing every problem.
 */
export async function parseConfig(
  raw: unknown,
  options: ValidateOptions & { file?: string; onWarning?: (issue: ConfigIssue) => void } = {},
): Promise<NodeConfig> {
  const result = await validateConfig(raw, { cbdir: options.cbdir, env: options.env });
  if (!result.ok) throw new ConfigError(result.issues, options.file === undefined ? {} : { file: options.file });
  for (const warning of result.warnings) options.onWarning?.(warning);
  return result.config;
}

/** Resolves a path of the config against the cbdir (the config file's directory). */
export function resolveInCbdir(cbdir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cbdir, path);
}

/**
 * The config the cross-checks see: everything that parsed (the whole config, or what
 * config-salvage.ts kept), the input it came from, and how its key paths map back to the input's
 * (the salvaged copy lacks list items that did not parse, which shifts indices).
 */
interface ConfigView {
  config: NodeConfig;
  raw: unknown;
  original: (path: KeyPath) => KeyPath;
  /** Whether a part at or below this key path of the input was left out (it has a problem of its own). */
  removedBelow: (path: KeyPath) => boolean;
}

/** Builds issues at key paths of the view's config, reported at the input's key paths. */
class Reporter {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly view: ConfigView) {}
  /** The key path as the user's file has it. */
  key(path: KeyPath): string {
    return formatPath(this.view.original(path));
  }
  invalid(path: KeyPath, message: string): void {
    this.issues.push({ path: this.key(path), message, kind: 'invalid' });
  }
  add(issue: ConfigIssue): void {
    this.issues.push(issue);
  }
}

/** Realm names and their role names as the input has them (`roles` undefined: any role, or unknown). */
function realmsInInput(view: ConfigView, w: number): { name: string; roles: string[] | undefined }[] {
  const realms = valueAt(view.raw, [...view.original(['workers', w]), 'realms']);
  if (!Array.isArray(realms)) return [];
  return realms.flatMap((realm) => {
    if (!isPlainObject(realm) || typeof realm.name !== 'string') return [];
    const roles = Array.isArray(realm.roles)
      ? realm.roles.flatMap((role) => (isPlainObject(role) && typeof role.name === 'string' ? [role.name] : []))
      : undefined;
    return [{ name: realm.name, roles }];
  });
}

/**
 * Checks that `realm` exists in router worker `w` (and `role` in it, when the realm has roles).
 * Names are looked up in the input, so a realm that is there but has a problem of its own (and
 * was not kept) is not reported missing as well.
 */
function checkRealmAndRole(
  report: Reporter,
  w: number,
  at: KeyPath,
  realm: string,
  role: string | undefined,
  roleKey = 'role',
): void {
  const realms = realmsInInput(report.view, w);
  const found = realms.find((r) => r.name === realm);
  if (found === undefined) {
    const defined = realms.map((r) => JSON.stringify(r.name)).join(', ') || 'none';
    report.invalid(
      [...at, 'realm'],
      `no realm ${JSON.stringify(realm)} in ${report.key(['workers', w, 'realms'])} (defined: ${defined})`,
    );
  } else if (role !== undefined && found.roles !== undefined && !found.roles.includes(role)) {
    report.invalid([...at, roleKey], `no role ${JSON.stringify(role)} in realm ${JSON.stringify(realm)}`);
  }
}

/** Checks the `extra` of a built-in component against its schema. */
function checkBuiltinExtra(report: Reporter, classname: string, extra: unknown, at: KeyPath): void {
  if (!isBuiltinComponent(classname)) return;
  const schema: z.ZodTypeAny =
    classname === BuiltinComponent.REST_CALLEE ? restCalleeExtraSchema : messageForwarderExtraSchema;
  const result = schema.safeParse(extra);
  if (result.success) return;
  for (const issue of issuesFromZod(result.error, extra)) {
    const inner = issue.path === '(root)' ? '' : issue.path.startsWith('[') ? issue.path : `.${issue.path}`;
    report.add({ ...issue, path: `${report.key([...at, 'extra'])}${inner}` });
  }
}

function checkRouterWorker(report: Reporter, worker: RouterWorkerConfig, w: number): void {
  const realmIndex = new Map<string, number>();
  worker.realms.forEach((realm, r) => {
    const first = realmIndex.get(realm.name);
    if (first !== undefined) {
      report.invalid(
        ['workers', w, 'realms', r, 'name'],
        `duplicate realm ${JSON.stringify(realm.name)} (also ${report.key(['workers', w, 'realms', first])})`,
      );
    } else realmIndex.set(realm.name, r);
    const roleNames = new Set<string>();
    (realm.roles ?? []).forEach((role, o) => {
      if (roleNames.has(role.name)) {
        report.invalid(
          ['workers', w, 'realms', r, 'roles', o, 'name'],
          `duplicate role ${JSON.stringify(role.name)} in realm ${JSON.stringify(realm.name)}`,
        );
      }
      roleNames.add(role.name);
      // Crossbar reads allow-by-default only on a role without permissions and authorizer and
      // starts with it anywhere else, where it has no effect: so does Interchange, saying so.
      if (role['allow-by-default'] === true && (role.permissions !== undefined || role.authorizer !== undefined)) {
        report.add({
          path: report.key(['workers', w, 'realms', r, 'roles', o, 'allow-by-default']),
          message:
            'has no effect beside "permissions" or "authorizer", as in Crossbar: the role allows only what they allow (remove it, or remove "permissions" to allow everything)',
          kind: 'warning',
        });
      }
    });
  });
  worker.components.forEach((component, c) => {
    checkRealmAndRole(report, w, ['workers', w, 'components', c], component.realm, component.role);
    checkBuiltinExtra(report, component.classname, component.extra, ['workers', w, 'components', c]);
  });
  const realms = realmsInInput(report.view, w);
  for (const service of sessionServicesOf(worker)) {
    const role = service.anonymousRole;
    if (role === undefined || realms.length === 0) continue;
    const usable = realms.some((realm) => realm.roles === undefined || realm.roles.includes(role));
    if (!usable) {
      report.invalid(
        ['workers', w, ...service.path, 'auth', 'anonymous', 'role'],
        `role ${JSON.stringify(role)} is not defined in any realm of ${report.key(['workers', w])}`,
      );
    }
  }
  worker.transports.forEach((transport, t) => {
    for (const problem of ssePathProblems(transport, t))
      report.invalid(['workers', w, ...problem.path], problem.message);
    const optionsAt = transport.type === 'web' ? ['options'] : ['web', 'options'];
    const proxies =
      transport.type === 'web'
        ? transport.options?.trusted_proxies
        : transport.type === 'universal'
          ? transport.web?.options?.trusted_proxies
          : undefined;
    (proxies ?? []).forEach((network, i) => {
      try {
        IpAllowList.parse([network], 'trusted_proxies');
      } catch (error) {
        report.invalid(
          ['workers', w, 'transports', t, ...optionsAt, 'trusted_proxies', i],
          (error as Error).message.replace(/^trusted_proxies: /, ''),
        );
      }
    });
    // An MQTT transport joins its clients to one realm, and its dynamic mappings call codecs in another.
    const mqtt =
      transport.type === 'mqtt'
        ? { options: transport.options, at: ['workers', w, 'transports', t, 'options'] }
        : transport.type === 'universal' && transport.mqtt !== undefined
          ? { options: transport.mqtt.options, at: ['workers', w, 'transports', t, 'mqtt', 'options'] }
          : undefined;
    if (mqtt !== undefined) {
      const { options, at } = mqtt;
      checkRealmAndRole(
        report,
        w,
        at,
        options.realm,
        options.auth === undefined ? (options.role ?? 'anonymous') : undefined,
      );
      for (const [prefix, mapping] of Object.entries(options.payload_mapping ?? {}))
        if (mapping.type === 'dynamic' && mapping.realm !== undefined)
          checkRealmAndRole(report, w, [...at, 'payload_mapping', prefix], mapping.realm, undefined);
    }
    for (const entry of allWebPathsOf(transport, t)) {
      const path = entry.config;
      if (path.type === 'upload') checkRealmAndRole(report, w, ['workers', w, ...entry.path], path.realm, path.role);
      if (path.type === 'sse')
        checkRealmAndRole(
          report,
          w,
          ['workers', w, ...entry.path],
          path.realm,
          path.auth === undefined ? (path.role ?? 'anonymous') : undefined,
        );
      if (path.type === 'wap')
        checkRealmAndRole(
          report,
          w,
          ['workers', w, ...entry.path, 'wamp'],
          path.wamp.realm,
          path.wamp.authrole ?? 'anonymous',
          'authrole',
        );
      if (path.type === 'publisher' || path.type === 'caller' || path.type === 'webhook') {
        checkRealmAndRole(report, w, ['workers', w, ...entry.path], path.realm, path.role ?? 'anonymous');
        (path.options?.require_ip ?? []).forEach((network, i) => {
          try {
            IpAllowList.parse([network]);
          } catch (error) {
            report.invalid(
              ['workers', w, ...entry.path, 'options', 'require_ip', i],
              (error as Error).message.replace(/^require_ip: /, ''),
            );
          }
        });
      }
    }
  });
}

function crossCheck(view: ConfigView, cbdir: string): ConfigIssue[] {
  const report = new Reporter(view);
  const { config } = view;
  const tcpListeners: {
    path: KeyPath;
    port: number;
    host: string | undefined;
    worker: number;
    shared: boolean | undefined;
  }[] = [];
  const unixListeners = new Map<string, KeyPath>();
  config.workers.forEach((worker, w) => {
    if (worker.type === 'container') {
      worker.components.forEach((component, c) => {
        const at: KeyPath = ['workers', w, 'components', c];
        checkBuiltinExtra(report, component.classname, component.extra, at);
        const target = localTargetOf(config, component, (p) => resolveInCbdir(cbdir, p));
        const router = target === undefined ? undefined : config.workers[target.worker];
        if (target !== undefined && router?.type === 'router')
          checkRealmAndRole(report, target.worker, at, component.realm, undefined);
      });
      return;
    }
    if (worker.type !== 'router') return;
    checkRouterWorker(report, worker, w);
    if (config.cluster !== undefined) {
      worker.realms.forEach((realm, r) => {
        if ((realm.rlinks?.length ?? 0) > 0) report.invalid(['workers', w, 'realms', r, 'rlinks'], RLINKS_IN_CLUSTER);
      });
    }
    worker.transports.forEach((transport, t) => {
      const endpoint = transport.endpoint;
      if (endpoint.type === 'unix') {
        const file = resolveInCbdir(cbdir, endpoint.path);
        const clash = unixListeners.get(file);
        const path = ['workers', w, 'transports', t, 'endpoint', 'path'];
        if (clash) report.invalid(path, `socket ${file} is already used by ${report.key(clash.slice(0, 4))}`);
        unixListeners.set(file, path);
        return;
      }
      const { port, interface: host, shared } = endpoint;
      const path = ['workers', w, 'transports', t, 'endpoint', 'port'];
      // An endpoint with a problem of its own is not compared: the clash would be a consequence
      // of what is reported.
      if (port === 0 || view.removedBelow(view.original(['workers', w, 'transports', t, 'endpoint']))) return;
      const clash = tcpListeners.find(
        (l) =>
          l.port === port &&
          (l.host === undefined || host === undefined || l.host === host) &&
          !sharesPortWith(l, { worker: w, shared }),
      );
      if (clash) {
        const hint =
          clash.worker === w ? '' : '; endpoints of two router workers share a port only when both say "shared": true';
        report.invalid(path, `port ${port} is already used by ${report.key(clash.path.slice(0, 4))}${hint}`);
      }
      tcpListeners.push({ path, port, host, worker: w, shared });
    });
  });
  for (const issue of routerProcessIssues(config)) report.invalid(issue.path, issue.message);
  return report.issues;
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/** What a config file entry is, for messages. */
type FileRole = 'file' | 'directory' | 'module' | 'static' | 'archive';

/** Every file a config points at, with its key path and whether it is a directory. */
function* filesOf(
  config: NodeConfig,
): Generator<{ path: KeyPath; file: string; kind: 'file' | 'directory'; what: FileRole }> {
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
      for (const entry of allWebPathsOf(transport, t)) {
        // A missing archive with `download` and `origin` is fetched at start.
        if (entry.config.type === 'archive' && !(entry.config.download === true && entry.config.origin !== undefined))
          yield {
            path: ['workers', w, ...entry.path, 'archive'],
            file: entry.config.archive,
            kind: 'file',
            what: 'archive',
          };
        const backend = entry.config.type === 'websocket-reverseproxy' ? entry.config.backend.endpoint : undefined;
        const backendTls = backend?.type === 'tcp' ? backend.tls : undefined;
        if (backendTls !== undefined) {
          const at: KeyPath = ['workers', w, ...entry.path, 'backend', 'endpoint', 'tls'];
          for (const [i, file] of (backendTls.ca_certificates ?? []).entries())
            yield { path: [...at, 'ca_certificates', i], file, kind: 'file', what: 'file' };
          if (backendTls.certificate !== undefined)
            yield { path: [...at, 'certificate'], file: backendTls.certificate, kind: 'file', what: 'file' };
          if (backendTls.key !== undefined)
            yield { path: [...at, 'key'], file: backendTls.key, kind: 'file', what: 'file' };
        }
        if (entry.config.type !== 'static') continue;
        yield {
          path: ['workers', w, ...entry.path, 'directory'],
          file: entry.config.directory,
          kind: 'directory',
          what: 'static',
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

async function checkFiles(view: ConfigView, cbdir: string): Promise<ConfigIssue[]> {
  const report = new Reporter(view);
  for (const entry of filesOf(view.config)) {
    const file = resolveInCbdir(cbdir, entry.file);
    const found = await kindOf(file);
    if (found === entry.kind) continue;
    if (entry.what === 'static' && found === 'missing') {
      // Crossbar starts with a static directory that does not exist and answers 404 there.
      report.add({
        path: report.key(entry.path),
        message: `directory not found: ${file} (the node starts and answers 404 on this path until it exists)`,
        kind: 'warning',
      });
      continue;
    }
    const message =
      entry.what === 'module'
        ? `module not found: ${file} (classname is the path of a JS module, relative to the config file's directory)`
        : `${entry.what === 'static' ? 'directory' : entry.what} not found: ${file}`;
    report.invalid(entry.path, message);
  }
  for (const problem of wapPathProblems(view.config, (path) => resolveInCbdir(cbdir, path)))
    report.invalid(problem.path, problem.message);
  for (const entry of functionModulesOf(view.config)) {
    const file = resolveInCbdir(cbdir, entry.file);
    if ((await kindOf(file)) !== 'file') report.invalid(entry.path, `function module not found: ${file}`);
  }
  return report.issues;
}

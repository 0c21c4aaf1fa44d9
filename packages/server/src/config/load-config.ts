/**
 * Finding and reading the config file. Like Crossbar, a node lives in a directory (Crossbar's
 * `.crossbar`, ours `.interchange`) holding `config.json` or `config.yaml`; paths in the config
 * resolve relative to that directory (the cbdir).
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-issues.js';
import type { Environment } from './config-placeholders.js';
import type { NodeConfig } from './config-schema.js';
import { validateConfig } from './validate-config.js';

/** The node directory used when none is given. */
export const DEFAULT_CBDIR = '.interchange';

/** File names looked for in the cbdir, in this order. */
export const CONFIG_FILE_NAMES = ['config.json', 'config.yaml', 'config.yml'] as const;

/** Where a node's config lives. */
export interface ConfigLocation {
  /** Absolute path of the config file. */
  file: string;
  /** Absolute path of the directory config paths resolve against. */
  cbdir: string;
}

/** What the CLI was told: `--config` and/or `--cbdir`, relative to `cwd`. */
export interface LocateOptions {
  config?: string | undefined;
  cbdir?: string | undefined;
  cwd?: string | undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function fileProblem(file: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError([{ path: '(root)', message, kind: 'invalid' }], { file, cause });
}

/**
 * Resolves the config file and cbdir:
 * - `--config FILE` alone: that file; the cbdir is its directory.
 * - `--cbdir DIR` alone: `DIR/config.json` (or `.yaml`, `.yml`).
 * - both: that file, and that cbdir.
 * - neither: as `--cbdir .interchange`.
 *
 * @throws ConfigError when no config file is found.
 */
export async function locateConfig(options: LocateOptions = {}): Promise<ConfigLocation> {
  const cwd = options.cwd ?? process.cwd();
  if (options.config !== undefined) {
    const file = resolve(cwd, options.config);
    if (!(await exists(file))) throw fileProblem(file, 'config file not found');
    return { file, cbdir: options.cbdir === undefined ? dirname(file) : resolve(cwd, options.cbdir) };
  }
  const cbdir = resolve(cwd, options.cbdir ?? DEFAULT_CBDIR);
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(cbdir, name);
    if (await exists(file)) return { file, cbdir };
  }
  throw fileProblem(
    cbdir,
    `no config file found (looked for ${CONFIG_FILE_NAMES.join(', ')}; run "interchange init" to create one)`,
  );
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Parses config text as JSON or YAML, chosen by the file extension (`.json`, `.yaml`, `.yml`).
 * @throws ConfigError on a syntax error or an unknown extension.
 */
export function parseConfigText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const position = /position (\d+)/.exec(message)?.[1];
      const where = position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`;
      throw fileProblem(file, `invalid JSON${where}: ${message}`, error);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    const doc = parseDocument(text);
    const first = doc.errors[0];
    if (first !== undefined) {
      const where =
        first.linePos?.[0] === undefined ? '' : ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})`;
      // With pretty errors, yaml appends the position and a code frame after the first line.
      const summary = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? first.message;
      throw fileProblem(file, `invalid YAML${where}: ${summary}`, first);
    }
    // Aliases resolve only here: one without its anchor, or too many of them (yaml's guard
    // against exponential expansion), throws a ReferenceError that is the file's fault.
    try {
      return doc.toJS() as unknown;
    } catch (error) {
      throw fileProblem(file, `invalid YAML: ${(error as Error).message}`, error);
    }
  }
  throw fileProblem(file, `unknown config file type ${JSON.stringify(ext)} (expected .json, .yaml or .yml)`);
}

/** Reads and parses a config file without validating it. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fileProblem(file, `cannot read config file: ${(error as Error).message}`, error);
  }
  return parseConfigText(text, file);
}

/** A loaded, validated config and where it came from. */
export interface LoadedConfig extends ConfigLocation {
  config: NodeConfig;
  /** What is odd but does not stop the node (e.g. a static directory that does not exist yet). */
  warnings: ConfigIssue[];
}

/**
 * Locates, reads and validates a node config, files it points at included. `${VAR}`
 * placeholders are read from `options.env` (default `process.env`).
 *
 * @throws ConfigError listing every problem (warnings included).
 * @example
 * const { config, cbdir, warnings } = await loadConfig({ cbdir: '.interchange' });
 */
export async function loadConfig(options: LocateOptions & { env?: Environment } = {}): Promise<LoadedConfig> {
  const location = await locateConfig(options);
  const raw = await readConfigFile(location.file);
  const result = await validateConfig(raw, { cbdir: location.cbdir, env: options.env });
  if (!result.ok) throw new ConfigError(result.issues, { file: location.file });
  return { ...location, config: result.config, warnings: result.warnings };
}

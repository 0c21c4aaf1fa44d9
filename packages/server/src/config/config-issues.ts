/**
 * Problems found in a node config, each naming the key path it is about, e.g.
 * `workers[0].transports[1].endpoint.port: expected an integer 0..65535, got "abc"`.
 */
import { InvalidArgumentError } from '@interchange/protocol';
import type { z } from 'zod';
import { expectedMessage, type IssueKind, isPlainObject } from './schema-builders.js';

/** One problem of a config. */
export interface ConfigIssue {
  /** Key path in the config, e.g. `workers[0].transports[1].endpoint.port`; `(root)` for the whole file. */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
  /**
   * `unsupported`: valid for Crossbar but not implemented by Interchange; `warning`: the node
   * starts anyway (and the warning is logged once).
   */
  kind: IssueKind;
}

/** Renders one issue the way `interchange check` prints it; a warning says so. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.kind === 'warning' ? 'warning: ' : ''}${issue.path}: ${issue.message}`;
}

/** Whether an issue stops the config from being used (anything but a warning). */
export function isError(issue: ConfigIssue): boolean {
  return issue.kind !== 'warning';
}

/**
 * A config that cannot be used: unreadable, unparsable or invalid. `issues` lists every problem
 * found, not just the first.
 */
export class ConfigError extends InvalidArgumentError {
  readonly issues: readonly ConfigIssue[];
  /** The config file, when the problem is in one. */
  readonly file: string | undefined;
  constructor(issues: readonly ConfigIssue[], options: { file?: string; cause?: unknown } = {}) {
    const lines = issues.map(formatIssue);
    const where = options.file === undefined ? 'invalid node config' : `invalid node config ${options.file}`;
    super(`${where}:\n  ${lines.join('\n  ')}`, { cause: options.cause });
    this.issues = issues;
    this.file = options.file;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['workers', 0, 'paths', '/']` → `workers[0].paths["/"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(root)' : out;
}

/** The value at `path` in `root`, or `undefined`. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let current = root;
  for (const part of path) {
    if (Array.isArray(current) && typeof part === 'number') current = current[part];
    else if (isPlainObject(current) && typeof part === 'string') current = current[part];
    else return undefined;
  }
  return current;
}

const ARTICLE_TYPES: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
};

/**
 * Gives a better message for the issue at `path` (whose value in the input is `value`), e.g. a
 * refusal with its alternative; `undefined` keeps zod's.
 */
export type ExplainIssue = (
  path: readonly (string | number)[],
  value: unknown,
) => { message: string; kind: IssueKind } | undefined;

/** Turns zod's issues into {@link ConfigIssue}s; `root` is the parsed input, for "got ..." parts. */
export function issuesFromZod(
  error: z.ZodError | readonly z.ZodIssue[],
  root: unknown,
  explain?: ExplainIssue,
): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const issue of Array.isArray(error) ? error : (error as z.ZodError).issues) {
    const kind: IssueKind =
      issue.code === 'custom' && (issue.params as { kind?: unknown } | undefined)?.kind === 'unsupported'
        ? 'unsupported'
        : 'invalid';
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      message = expectedMessage(ARTICLE_TYPES[issue.expected] ?? issue.expected, valueAt(root, issue.path));
    }
    const better = explain?.(issue.path, valueAt(root, issue.path));
    const entry: ConfigIssue = { path: formatPath(issue.path), ...(better ?? { message, kind }) };
    const key = formatIssue(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(entry);
  }
  return issues;
}

/**
 * `interchange convert`: rewrites the node config from JSON to YAML or from YAML to JSON, beside
 * the original (`config.json` → `config.yaml` and back), as `crossbar convert` does. Only the
 * syntax must be valid: a config that uses something Interchange does not implement yet can still
 * be converted. An existing target file is never overwritten.
 */
import { access, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { stringify } from 'yaml';
import { readConfigFile } from '../config/load-config.js';

/** The outcome of {@link convertConfigFile}. */
export type ConvertResult = { ok: true; from: string; to: string } | { ok: false; error: string };

/** The file a config converts to: same name, the other format. */
export function convertedName(file: string): string | undefined {
  const ext = extname(file).toLowerCase();
  const base = file.slice(0, file.length - ext.length);
  if (ext === '.json') return `${base}.yaml`;
  if (ext === '.yaml' || ext === '.yml') return `${base}.json`;
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Converts one config file.
 * @throws ConfigError when the file cannot be read or parsed.
 * @example
 * await convertConfigFile('.interchange/config.json'); // writes .interchange/config.yaml
 */
export async function convertConfigFile(file: string): Promise<ConvertResult> {
  const target = convertedName(file);
  if (target === undefined)
    return { ok: false, error: `cannot convert ${file}: the config file must end in .json, .yaml or .yml` };
  const value = await readConfigFile(file);
  if (await exists(target))
    return { ok: false, error: `${target} already exists; remove it first (nothing was written)` };
  const text = target.endsWith('.json') ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
  await writeFile(target, text, { flag: 'wx' });
  return { ok: true, from: file, to: target };
}

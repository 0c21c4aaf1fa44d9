#!/usr/bin/env node
/**
 * Runs Interchange's config checker over every Crossbar node directory below DIR (each
 * `.crossbar/config.json`, `config.yaml` or `config.yml`) and prints how many pass, then the
 * most frequent problems, counted once per config. A repeatable measurement of how many Crossbar
 * configs start unchanged; it reads the built server package (run `npx tsc -b` first).
 *
 *   node scripts/check-crossbar-configs.mjs DIR [--list] [--top N]
 *
 * `--list` also prints each config with its problems. Exit code 0 whatever the pass rate.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { list: { type: 'boolean' }, top: { type: 'string' } },
});
const root = positionals[0];
if (root === undefined) {
  process.stderr.write('usage: node scripts/check-crossbar-configs.mjs DIR [--list] [--top N]\n');
  process.exit(2);
}
const top = Number(values.top ?? 25);
const server = await import(new URL('../packages/server/dist/index.js', import.meta.url).href);
const { loadConfig, ConfigError } = server;

const CONFIG_NAMES = new Set(['config.json', 'config.yaml', 'config.yml']);

/** Every `.crossbar` directory holding a config file, below `dir` (node_modules skipped). */
async function* crossbarDirs(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name === '.git') continue;
    const path = join(dir, entry.name);
    if (entry.name === '.crossbar') {
      const files = await readdir(path).catch(() => []);
      if (files.some((f) => CONFIG_NAMES.has(f))) yield path;
      continue;
    }
    yield* crossbarDirs(path);
  }
}

/** A problem with its place made generic: indices and path keys dropped, "supported here" lists cut. */
function problemKey(issue) {
  const generic = issue.path
    .replace(/\[\d+\]/g, '')
    // Names a user chose (path segments, authids) say nothing about the key.
    .replace(/\b(paths|websocket|principals|users)(\.[A-Za-z0-9_$-]+|\["[^"]*"\])/g, '$1.*');
  const parts = generic.split('.');
  const last = parts.slice(parts.at(-2) === '*' ? -3 : -2).join('.');
  const message = issue.message
    .replace(/ is a Crossbar key that Interchange does not implement.*$/s, ': refused, with the alternative')
    .replace(/(template expression) .*$/s, '$1')
    .replace(/ \(.*$/s, '')
    .replace(/\/[^\s"]+/g, '<path>');
  return `${issue.kind ?? 'invalid'}  ${last}: ${message}`;
}

const dirs = [];
for await (const dir of crossbarDirs(resolve(root))) dirs.push(dir);
dirs.sort();

let pass = 0;
let warned = 0;
/** Configs whose every error is a deliberate refusal that names the alternative. */
let refusedOnly = 0;
const isRefusal = (issue) => issue.message.includes(' is a Crossbar key that Interchange does not implement');
const counts = new Map();
for (const cbdir of dirs) {
  const name = relative(resolve(root), cbdir) || '.';
  let issues = [];
  let warnings = [];
  try {
    const loaded = await loadConfig({ cbdir });
    warnings = loaded.warnings ?? [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues = [...error.issues];
  }
  const errors = issues.filter((i) => i.kind !== 'warning');
  warnings = [...warnings, ...issues.filter((i) => i.kind === 'warning')];
  if (errors.length === 0) pass += 1;
  else if (errors.every(isRefusal)) refusedOnly += 1;
  if (warnings.length > 0) warned += 1;
  const keys = new Set(errors.map(problemKey));
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  if (values.list) {
    process.stdout.write(`${errors.length === 0 ? 'PASS' : 'FAIL'} ${name}\n`);
    for (const issue of [...errors, ...warnings]) process.stdout.write(`    ${issue.kind}: ${issue.path}: ${issue.message}\n`);
  }
}

const total = dirs.length;
const percent = total === 0 ? 0 : (100 * pass) / total;
process.stdout.write(`\n${pass} of ${total} configs pass (${percent.toFixed(1)} %); ${warned} with warnings\n`);
process.stdout.write(`${refusedOnly} fail only on Crossbar keys refused with the alternative named\n`);
process.stdout.write(`\nmost frequent problems (configs affected):\n`);
const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
for (const [key, n] of sorted.slice(0, top)) process.stdout.write(`${String(n).padStart(5)}  ${key}\n`);

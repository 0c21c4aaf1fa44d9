#!/usr/bin/env node
/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): the functions that cost the most CPU by
 * themselves (self time), the most expensive call paths' functions (total time), and time per
 * area (Interchange package and source file, npm package, Node internals, GC, idle).
 *
 *   node bench/profile-top.mjs bench/.build/profiles/<file>.cpuprofile [--top 25]
 *   node bench/profile-top.mjs <file>.cpuprofile --markdown "Fan-out to 100, json" [--top 12]
 *
 * `--markdown TITLE` prints a section for BENCHMARKS.md instead (collected in
 * bench/results/profile-summary.md, which bench/lib/report.mjs includes).
 *
 * For the bundles run.mjs builds, a bundle line is traced back to its source file through the
 * `// packages/...` comments esbuild puts before each module.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const optionValue = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const topOption = optionValue('--top');
const markdownTitle = optionValue('--markdown');
const top = topOption === undefined ? (markdownTitle === undefined ? 25 : 12) : Number(topOption);
const file = args.find((a) => !a.startsWith('--'));
if (file === undefined) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [--top N] [--markdown TITLE]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const bundleModules = new Map(); // bundle path -> sorted [line, module]

/** The source module a line of a bundle belongs to, from esbuild's `// path` comments. */
function sourceOf(url, line) {
  if (!url.startsWith('file://') || !url.includes('/.build/')) return undefined;
  let modules = bundleModules.get(url);
  if (modules === undefined) {
    modules = [];
    try {
      readFileSync(fileURLToPath(url), 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const m = /^\/\/ ((?:packages|node_modules)\/\S+)$/.exec(text);
          if (m) modules.push([i, m[1]]);
        });
    } catch {
      // bundle gone: areas fall back to the URL
    }
    bundleModules.set(url, modules);
  }
  let found;
  for (const [start, module] of modules) {
    if (start > line) break;
    found = module;
  }
  return found;
}

/** The area a frame's time goes to: an Interchange package file, an npm package, Node, V8. */
function areaOf(frame) {
  const { url, functionName, lineNumber } = frame;
  if (functionName === '(garbage collector)') return 'V8: garbage collector';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8: program (native, unattributed)';
  const source = sourceOf(url, lineNumber);
  if (source !== undefined) return source;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm: ${pkg[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  if (url === '') return 'native';
  return url.replace(/^file:\/\//, '');
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map();
const total = new Map();
const areas = new Map();
let all = 0;
const label = (frame) => {
  const where =
    sourceOf(frame.url, frame.lineNumber) ?? frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '');
  return `${frame.functionName || '(anonymous)'}  ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
};
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(profile.samples[i]);
  if (node === undefined) continue;
  all += dt;
  const key = label(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + dt);
  const area = areaOf(node.callFrame);
  areas.set(area, (areas.get(area) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const k = label(byId.get(id).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
}

const pct = (t) => `${((100 * t) / all).toFixed(1).padStart(5)} %`;
const ranked = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

if (markdownTitle !== undefined) {
  // Bundle line numbers mean nothing to a reader of the sources: name and file only.
  const short = (key) => {
    const [name, where] = key.split('  ');
    return where ? `${name} (${where.replace(/:\d+$/, '')})` : name;
  };
  const rows = (map, show = (key) => key) =>
    ranked(map, top).map(([key, t]) => `| ${pct(t).trim()} | ${show(key).replaceAll('|', '/')} |`);
  console.log(`### ${markdownTitle}

${(all / 1e6).toFixed(2)} s sampled. Self time by area, then by function:

| share | area |
|---:|---|
${rows(areas).join('\n')}

| share | function (file) |
|---:|---|
${rows(self, short).join('\n')}
`);
  process.exit(0);
}

const print = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(t)}  ${key}`);
};
console.log(`${file}: ${(all / 1e6).toFixed(2)} s sampled`);
print('Self time by area (file or package)', areas, top);
print('Self time by function', self, top);
print('Total time by function (with callees)', total, top);

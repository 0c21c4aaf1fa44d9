#!/usr/bin/env node
/**
 * Rewrites BENCHMARKS.md and the charts from results files, without running anything:
 *
 *   node bench/report.mjs                      the newest file in bench/results
 *   node bench/report.mjs full.json rerun.json later files win for the same cell
 *   node bench/report.mjs --note "text" ...    a remark above the results (overrides the run's)
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const noteAt = args.indexOf('--note');
const note = noteAt === -1 ? undefined : args.splice(noteAt, 2)[1];
let files = args.map((f) => resolve(f));
if (files.length === 0) {
  const newest = readdirSync(join(here, 'results'))
    // Full runs are named by their start time; the side runs (floor.json, router-core-ab.json...) are not.
    .filter((f) => /^\d{4}-\d{2}-\d{2}T[\d-]+\.json$/.test(f))
    .sort()
    .at(-1);
  if (newest === undefined) {
    console.error('no results in bench/results: run `npm run bench` first');
    process.exit(1);
  }
  files = [join(here, 'results', newest)];
}
for (const path of writeReport({ root: join(here, '..'), files, note })) console.log(path);

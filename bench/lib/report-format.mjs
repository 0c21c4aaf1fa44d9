/**
 * How BENCHMARKS.md writes its cells: rates, shares, latencies, target names, and Markdown tables.
 * Shared by the main report (report.mjs) and the sections of the other bench scripts
 * (report-side-runs.mjs).
 */
import { TARGETS } from './options.mjs';

/** A count or rate, rounded, with thousands separators; blank when missing. */
export const int = (x) => (x === undefined || Number.isNaN(x) ? '' : Math.round(x).toLocaleString('en-US'));
/** A share (0.25 → `25 %`); blank when missing. */
export const pct = (x) => (x === undefined || Number.isNaN(x) ? '' : `${Math.round(x * 100)} %`);
/** A latency in microseconds, in ms from 10 ms up; blank when missing. */
export const us = (x) => (x === undefined ? '' : x >= 10_000 ? `${(x / 1000).toFixed(1)} ms` : `${int(x)} µs`);
/** A target's display name. */
export const label = (target) => TARGETS[target]?.label ?? target;

/** A Markdown table, numbers right-aligned after the first column; a note when there are no rows. */
export function table(header, rows) {
  if (rows.length === 0) return '_No results in this run._\n';
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

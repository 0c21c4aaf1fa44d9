/**
 * What Linux says about a process: CPU time from /proc/<pid>/stat, memory from
 * /proc/<pid>/status. Used to measure the router from outside, whatever its language.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux in use). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far, or NaN if it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the full line, 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory now and at its peak, in bytes (VmRSS, VmHWM), or undefined if the process is gone. */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of a process (`Max open files`), or NaN. */
export function openFileLimit(pid) {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'latin1');
    return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** A CPU meter over a window: `start()`, then `stop()` returns the share of one core used (0..1+). */
export class CpuMeter {
  constructor(pid) {
    this.pid = pid;
    this.cpu0 = 0;
    this.t0 = 0n;
  }

  start() {
    this.cpu0 = cpuSeconds(this.pid);
    this.t0 = process.hrtime.bigint();
  }

  stop() {
    const seconds = Number(process.hrtime.bigint() - this.t0) / 1e9;
    return (cpuSeconds(this.pid) - this.cpu0) / seconds;
  }
}

/**
 * The live part of `interchange status`: the running node's figures, read twice through its
 * control socket (`control-socket.ts`) a moment apart, so message rates are rates of now rather
 * than averages since start.
 */
import type { ActivitySnapshot } from '../metrics/node-activity.js';
import { readControlSocket } from './control-socket.js';
import type { WorkerStatus } from './worker-status.js';

const MiB = 1024 * 1024;

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (n: number) => (n >= 100 ? count(n) : n.toFixed(1));

function duration(seconds: number): string {
  const s = Math.floor(seconds);
  const parts = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ] as const;
  const shown = parts.filter(([value]) => value > 0).slice(0, 2);
  return shown.length === 0 ? '0s' : shown.map(([value, unit]) => `${value}${unit}`).join(' ');
}

/** The figures as `status` prints them, from two snapshots `seconds` apart. */
export function formatActivity(first: ActivitySnapshot, second: ActivitySnapshot, seconds: number): string {
  const per = (a: number, b: number) => rate(Math.max(0, b - a) / seconds);
  const lines = [
    `sessions: ${count(second.sessions)}`,
    ...second.realms.map(
      (r) =>
        `  realm ${r.realm}: ${count(r.sessions)} sessions, ${count(r.subscriptions)} subscriptions, ${count(r.registrations)} registrations`,
    ),
    `messages: ${per(first.messagesReceived, second.messagesReceived)}/s in, ${per(first.messagesSent, second.messagesSent)}/s out (${count(second.messagesReceived)} received, ${count(second.messagesSent)} sent since start)`,
    ...second.transports.map((t) => {
      const before = first.transports.find((f) => f.transport === t.transport);
      const bytes = (a: number | undefined, b: number) =>
        `${(Math.max(0, b - (a ?? b)) / seconds / 1024).toFixed(1)} KiB/s`;
      return `  transport ${t.transport} (${t.type}): ${count(t.connections)} connections, ${bytes(before?.bytesIn, t.bytesIn)} in, ${bytes(before?.bytesOut, t.bytesOut)} out`;
    }),
    `memory: RSS ${(second.memory.rss / MiB).toFixed(1)} MiB, heap ${(second.memory.heapUsed / MiB).toFixed(1)} of ${(second.memory.heapTotal / MiB).toFixed(1)} MiB`,
    `uptime: ${duration(second.uptime)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The running node's figures as text, or undefined when its control socket does not answer (a
 * node of an older version, or a cbdir path too long for a socket).
 */
export async function liveStatus(cbdir: string, intervalMs = 1000): Promise<string | undefined> {
  const first = await readControlSocket(cbdir);
  if (first === undefined) return undefined;
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const second = await readControlSocket(cbdir);
  if (second === undefined) return undefined;
  if (second.workers !== undefined) return formatWorkers(first.workers ?? [], second.workers, intervalMs / 1000);
  if (first.activity === undefined || second.activity === undefined) return 'starting: no figures yet\n';
  return formatActivity(first.activity, second.activity, intervalMs / 1000);
}

/**
 * The figures of a node of several processes (worker-status.ts): the sessions of all, then each
 * worker's own figures under a line naming its process and cluster node.
 */
export function formatWorkers(
  first: readonly WorkerStatus[],
  second: readonly WorkerStatus[],
  seconds: number,
): string {
  const total = second.reduce((sum, w) => sum + (w.activity?.sessions ?? 0), 0);
  const blocks = second.map((worker) => {
    const head = `worker ${worker.index} (PID ${worker.pid ?? '?'}, cluster node ${worker.node})`;
    const before = first.find((w) => w.index === worker.index)?.activity;
    if (worker.activity === undefined || before === undefined)
      return `${head}: starting or not answering, no figures\n`;
    const body = formatActivity(before, worker.activity, seconds)
      .trimEnd()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    return `${head}:\n${body}\n`;
  });
  return `workers: ${second.length}, sessions in all: ${count(total)}\n${blocks.join('')}`;
}

/**
 * The node controller's `options.shutdown` (Crossbar's node shutdown triggers): when the node
 * stops by itself because of its workers. The node always stops when asked to (SIGINT, SIGTERM,
 * `interchange stop`); these add reasons. See workers/shutdown-triggers.ts for what each means
 * in a node whose router and container workers run inside its own process.
 */
import { type Schema, value } from './schema-builders.js';

/** Crossbar's trigger names. */
export const SHUTDOWN_TRIGGERS = [
  'shutdown_on_shutdown_requested',
  'shutdown_on_worker_exit',
  'shutdown_on_worker_exit_with_error',
  'shutdown_on_last_worker_exit',
] as const;

/** One of {@link SHUTDOWN_TRIGGERS}. */
export type ShutdownTrigger = (typeof SHUTDOWN_TRIGGERS)[number];

const isTrigger = (v: unknown): v is ShutdownTrigger =>
  typeof v === 'string' && (SHUTDOWN_TRIGGERS as readonly string[]).includes(v);

/** One trigger or a list of them (Crossbar takes both); always a list once parsed. */
export const shutdownSchema: Schema<ShutdownTrigger[]> = value<ShutdownTrigger | ShutdownTrigger[]>(
  `one of ${SHUTDOWN_TRIGGERS.map((t) => JSON.stringify(t)).join(', ')}, or a list of them`,
  (v) => isTrigger(v) || (Array.isArray(v) && v.every(isTrigger)),
).transform((v) => (Array.isArray(v) ? v : [v]));

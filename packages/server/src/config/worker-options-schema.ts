/**
 * `options` of router and container workers, and what a component's connecting transport may
 * carry (Crossbar's `tls`, `serializer`, `options`). Crossbar runs each worker as a Python
 * process; here the keys about that process apply to the processes of the worker's Python
 * components (python-component.ts): the interpreter (`python`), its module path (`pythonpath`)
 * and environment (`env`). Keys that only make sense inside Crossbar's processes are refused
 * with the reason.
 */

import { z } from 'zod';
import { authThrottleSchema } from './auth-throttle-schema.js';
import { SERIALIZER_NAMES } from './path-schema.js';
import { processEnvSchema } from './process-env-schema.js';
import { anyString, boolean, integer, list, nonEmptyString, oneOf, type Schema, section } from './schema-builders.js';

/** Crossbar's database connections of a worker and the references of components to them. */
export const CONNECTIONS_REFUSED =
  "Crossbar's PostgreSQL connection pools are not available; open the database connection in the component itself";

/** A key Crossbar has and Interchange refuses, with why and what to do instead. */
export function refusedKey(message: string): Schema<never> {
  return z.unknown().transform((_v, ctx) => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unsupported: ${message}`, params: { kind: 'unsupported' } });
    return z.NEVER;
  });
}

const CONTAINER_CPU_AFFINITY =
  "a container worker's JavaScript components run inside the node's process here, so there is no container process to pin; " +
  'set cpu_affinity on the router workers (each then runs as its own process), or pin the whole node with taskset';
const REACTOR =
  "Twisted's reactor choice for Crossbar's container process; Python components here run on Twisted's default reactor or on asyncio, as their class is built";

/** Keys of router and container worker options that are about their (Python) processes. */
const processOptions = {
  title: anyString().optional(),
  /** Directories added to the Python module path of the worker's Python components, relative to the cbdir. */
  pythonpath: list(anyString()).optional(),
  /** The Python interpreter of the worker's Python components (default: see python-runtime.ts). */
  python: nonEmptyString().optional(),
  /** The environment of the worker's Python component processes. */
  env: processEnvSchema.optional(),
  /** Hands the worker's Python components the node's controller as `config.controller` (components/node-controller-api.ts). */
  expose_controller: boolean().optional(),
  /** Hands the worker's Python components a dict they share as `config.shared` (python/component_runner.py). */
  expose_shared: boolean().optional(),
};

/** `options` of a router worker. */
export const routerWorkerOptionsSchema = section({
  ...processOptions,
  /**
   * CPUs the worker's process is pinned to, as positions in the list of CPUs the node may use
   * (Crossbar's relative CPU IDs); see cpu-affinity.ts.
   */
  cpu_affinity: list(integer(0, 4095), { nonEmpty: true }).optional(),
  /** Interchange's addition: the login throttle's limits (auth-throttle-schema.ts). */
  auth_throttle: authThrottleSchema.optional(),
});

/** Crossbar's container `shutdown` modes. */
export const CONTAINER_SHUTDOWN_MODES = [
  'shutdown-manual',
  'shutdown-on-last-component-stopped',
  'shutdown-on-any-component-stopped',
  'shutdown-on-any-component-failed',
] as const;
/** Crossbar's container `restart` modes. */
export const CONTAINER_RESTART_MODES = ['restart-never', 'restart-always', 'restart-on-failed'] as const;

/** A container's shutdown mode. */
export type ContainerShutdownMode = (typeof CONTAINER_SHUTDOWN_MODES)[number];
/** A container's restart mode. */
export type ContainerRestartMode = (typeof CONTAINER_RESTART_MODES)[number];

/** Pairs where the restart mode would never get to act (Crossbar refuses them too). */
const IMPOSSIBLE: readonly [ContainerRestartMode, ContainerShutdownMode][] = [
  ['restart-always', 'shutdown-on-any-component-stopped'],
  ['restart-always', 'shutdown-on-any-component-failed'],
  ['restart-always', 'shutdown-on-last-component-stopped'],
  ['restart-on-failed', 'shutdown-on-any-component-failed'],
];

/** `options` of a container worker. */
export const containerWorkerOptionsSchema = section({
  ...processOptions,
  cpu_affinity: refusedKey(CONTAINER_CPU_AFFINITY).optional(),
  reactor: refusedKey(REACTOR).optional(),
  /** When the container stops all its components for good (default `shutdown-manual`: never). */
  shutdown: oneOf(CONTAINER_SHUTDOWN_MODES).optional(),
  /** Which stopped components are started again (default `restart-on-failed`; Crossbar's is `restart-never`). */
  restart: oneOf(CONTAINER_RESTART_MODES).optional(),
}).superRefine((options, ctx) => {
  const pair = IMPOSSIBLE.find(([r, s]) => r === options.restart && s === options.shutdown);
  if (pair !== undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['restart'],
      message: `restart "${pair[0]}" never acts with shutdown "${pair[1]}" (the container shuts down first)`,
    });
  }
});

/** `serializer` of a RawSocket component transport. */
export const componentSerializerSchema = oneOf(SERIALIZER_NAMES, {
  unsupported: ['flatbuffers'],
  what: 'serializer',
});

/** `options` of a component's connecting transport. */
export const componentTransportOptionsSchema = section({
  /** The largest message the component accepts from the router, in octets. */
  max_message_size: integer(512, 16 * 1024 * 1024).optional(),
});

export { type ConnectingTlsConfig, connectingTlsSchema } from './connecting-endpoint-schema.js';

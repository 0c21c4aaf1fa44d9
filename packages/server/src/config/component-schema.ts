/**
 * Application code the node runs: components hosted in a router worker, components of a
 * `container` worker (Crossbar runs them in a separate process that connects to a router; ours
 * run in the node's process), and `guest` workers (any executable, started and restarted by the
 * node).
 */
import { z } from 'zod';
import { connectingEndpointSchema } from './connecting-endpoint-schema.js';
import { serializersSchema } from './path-schema.js';
import { processEnvSchema } from './process-env-schema.js';
import { anyString, boolean, integer, list, nonEmptyString, oneOf, section, tagged, value } from './schema-builders.js';
import {
  CONNECTIONS_REFUSED,
  componentSerializerSchema,
  componentTransportOptionsSchema,
  containerWorkerOptionsSchema,
  refusedKey,
} from './worker-options-schema.js';

export { processEnvSchema } from './process-env-schema.js';

/** A component hosted in a router worker. */
export const classComponentSchema = section({
  type: oneOf(['class']),
  id: nonEmptyString().optional(),
  /**
   * A Python class (`module.Class`, run by Python; see components/component-language.ts), the
   * path of a JS (or, with esbuild installed, TS) module relative to the cbdir, or one of the
   * built-in bridge classes `crossbar.bridge.rest.RESTCallee` and
   * `crossbar.bridge.rest.MessageForwarder`.
   */
  classname: nonEmptyString(),
  realm: nonEmptyString(),
  /** The component's `authrole`; without it, `trusted` (allowed everything). */
  role: nonEmptyString().optional(),
  /** Passed to the component as its second argument. */
  extra: z.unknown().optional(),
  references: refusedKey(CONNECTIONS_REFUSED).optional(),
});

/**
 * The transport of a container component. A JS component whose endpoint is one of this node's
 * own listeners (same port or socket path as configured) joins in-process under the role that
 * listener gives anonymous sessions; otherwise it connects: WebSocket to `url`, RawSocket to the
 * endpoint, over TLS when the endpoint has `tls`. A Python component always connects (to the
 * port the listener really bound, when it is one of this node's).
 */
export const componentTransportSchema = section({
  type: oneOf(['websocket', 'rawsocket']),
  endpoint: connectingEndpointSchema(0),
  url: nonEmptyString().optional(),
  /** WebSocket: the serializers offered, in order. */
  serializers: serializersSchema.optional(),
  /** RawSocket: the one serializer used (Crossbar's key). */
  serializer: componentSerializerSchema.optional(),
  options: componentTransportOptionsSchema.optional(),
});

/** A component of a container worker. */
export const containerComponentSchema = section({
  type: oneOf(['class']),
  id: nonEmptyString().optional(),
  /** As {@link classComponentSchema}'s `classname`. */
  classname: nonEmptyString(),
  realm: nonEmptyString(),
  extra: z.unknown().optional(),
  transport: componentTransportSchema,
});

/** A container worker: components that connect to a router (Crossbar's `container`). */
export const containerWorkerSchema = section({
  type: oneOf(['container']),
  id: nonEmptyString().optional(),
  options: containerWorkerOptionsSchema.optional(),
  connections: refusedKey(CONNECTIONS_REFUSED).optional(),
  components: list(tagged('component type', { class: containerComponentSchema }, ['function', 'wamplet'])).default([]),
});

const outputAction = () => oneOf(['log', 'drop', 'close']);

/** A guest worker: an executable the node starts, watches and restarts (Crossbar's `guest`). */
export const guestWorkerSchema = section({
  type: oneOf(['guest']),
  id: nonEmptyString().optional(),
  /** The program: a path (absolute, or relative to `workdir`) or a name looked up in PATH. */
  executable: nonEmptyString(),
  arguments: list(anyString()).default([]),
  options: section({
    /** The working directory, relative to the cbdir (default: the cbdir). */
    workdir: nonEmptyString().optional(),
    env: processEnvSchema.optional(),
    /** What to do with standard output: `log` each line (default), `drop` it, or `close` the pipe. */
    stdout: outputAction().optional(),
    stderr: outputAction().optional(),
    /** Restart the process when it exits (Interchange addition; default true). */
    restart: boolean().optional(),
    /** First restart delay in ms, doubled after each quick exit (Interchange addition; default 1000). */
    restart_delay: integer(0).optional(),
    /** Largest restart delay in ms (Interchange addition; default 30000). */
    restart_max_delay: integer(0).optional(),
    /** Restart the program when a file under these directories changes (Crossbar's `watch`). */
    watch: section({
      /** Directories watched, recursively; relative to the cbdir. */
      directories: list(nonEmptyString(), { nonEmpty: true }),
      /** `restart`: restart the program on a change; without it, changes are only logged. */
      action: oneOf(['restart']).optional(),
      /** Seconds from the change to the restart (default 1). */
      timeout: value<number>(
        'a number of seconds >= 0',
        (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 3600,
      ).optional(),
    }).optional(),
  }).optional(),
});

/** A hosted class component of a router worker. */
export type ClassComponentConfig = z.output<typeof classComponentSchema>;
/** A component of a container worker. */
export type ContainerComponentConfig = z.output<typeof containerComponentSchema>;
/** A container worker. */
export type ContainerWorkerConfig = z.output<typeof containerWorkerSchema>;
/** A guest worker. */
export type GuestWorkerConfig = z.output<typeof guestWorkerSchema>;

/** Class names of the built-in bridge components, as Crossbar names them. */
export const BuiltinComponent = {
  REST_CALLEE: 'crossbar.bridge.rest.RESTCallee',
  MESSAGE_FORWARDER: 'crossbar.bridge.rest.MessageForwarder',
} as const;

/** Whether `classname` names a built-in component rather than a module file. */
export function isBuiltinComponent(classname: string): boolean {
  return classname === BuiltinComponent.REST_CALLEE || classname === BuiltinComponent.MESSAGE_FORWARDER;
}

/** `extra` of the REST callee: other keys are ignored, as Crossbar does. */
export const restCalleeExtraSchema = z
  .object({
    /** The procedure registered. */
    procedure: nonEmptyString(),
    /** The URL each call's `url` is resolved against. */
    baseurl: value<string>('an http or https URL', (v) => typeof v === 'string' && /^https?:\/\//i.test(v)),
  })
  .passthrough();

const httpMethod = () =>
  value<string>('an HTTP method such as "POST"', (v) => typeof v === 'string' && /^[A-Za-z]+$/.test(v));
const statusCode = () => integer(100, 599);

/** `extra` of the message forwarder: other keys are ignored, as Crossbar does. */
export const messageForwarderExtraSchema = z
  .object({
    subscriptions: list(
      z
        .object({
          topic: anyString(),
          url: value<string>('an http or https URL', (v) => typeof v === 'string' && /^https?:\/\//i.test(v)),
          match: oneOf(['exact', 'prefix', 'wildcard']).optional(),
          /** Overrides the component-wide `method` for this subscription. */
          method: httpMethod().optional(),
          /** Overrides the component-wide `expectedcode` for this subscription. */
          expectedcode: statusCode().optional(),
        })
        .passthrough(),
      { nonEmpty: true },
    ),
    /** HTTP method of the forwarded requests (default POST). */
    method: httpMethod().optional(),
    /** Status code the receiving URL must answer; another is logged as an error. */
    expectedcode: statusCode().optional(),
    debug: boolean().optional(),
    /** Seconds a request may take before it is abandoned (Interchange addition; default 10). */
    timeout: value<number>(
      'a number of seconds greater than 0',
      (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 86_400,
    ).optional(),
    /** Events waiting per subscription before new ones are dropped (Interchange addition; default 1000). */
    queue_limit: integer(1).optional(),
  })
  .passthrough();

/** Parsed `extra` of the REST callee. */
export type RestCalleeExtra = z.output<typeof restCalleeExtraSchema>;
/** Parsed `extra` of the message forwarder. */
export type MessageForwarderExtra = z.output<typeof messageForwarderExtraSchema>;

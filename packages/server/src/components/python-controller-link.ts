/**
 * Carries the controller calls of one Python process to the node's controller API
 * (node-controller-api.ts) and its answers back: the process sends
 * `{"event": "controller", "id": 1, "procedure": "crossbar.get_status", "args": [], "kwargs": {}}`
 * on fd 3 (python/interchange_channel.py), and gets `{"controller": 1, "result": ...}` or
 * `{"controller": 1, "error": {"uri": ..., "args": [...], "kwargs": {...}}}` on stdin, from the
 * process that asked (a process started again never gets its predecessor's answers).
 *
 * Over the process's own pipes rather than a WAMP session to an internal realm: only this
 * process can use them, so the caller is known without authentication, nothing appears in any
 * realm, and it works the same for components connecting to a remote router and for `function`
 * blocks, which have no session at all.
 */
import { ApplicationError, ErrorUri } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { ControllerCaller, NodeControllerApi } from './node-controller-api.js';
import type { PythonMessage, PythonReply } from './python-process.js';

/** Calls of one process waiting for their answer at most; more fail at once (memory stays bounded). */
const MAX_PENDING = 100;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The handler of one Python process's controller calls; true when the message was one. */
export type ControllerLink = (message: PythonMessage, reply: PythonReply) => boolean;

/** A link from a Python process to `api`, calling as `caller`. */
export function controllerLink(api: NodeControllerApi, caller: ControllerCaller, logger: Logger): ControllerLink {
  let pending = 0;
  return (message, reply) => {
    if (message.event !== 'controller') return false;
    const id = message.id;
    if (typeof id !== 'number') return true;
    const answer = (settled: Record<string, unknown>) => {
      try {
        reply({ controller: id, ...settled });
      } catch (error) {
        // A result JSON cannot carry (none of the procedures returns one): answered as an error.
        reply({ controller: id, error: { uri: ErrorUri.RUNTIME_ERROR, args: [(error as Error).message] } });
      }
    };
    const fail = (error: ApplicationError) =>
      answer({ error: { uri: error.uri, args: error.args, kwargs: error.kwargs } });
    const { procedure, args, kwargs } = message;
    if (typeof procedure !== 'string' || !Array.isArray(args) || !isPlainObject(kwargs)) {
      fail(
        new ApplicationError(ErrorUri.INVALID_ARGUMENT, {
          args: ['a controller call needs a procedure, args and kwargs'],
        }),
      );
      return true;
    }
    if (pending >= MAX_PENDING) {
      fail(
        new ApplicationError(ErrorUri.RUNTIME_ERROR, { args: [`${MAX_PENDING} controller calls are waiting already`] }),
      );
      return true;
    }
    pending += 1;
    api
      .call(procedure, args, kwargs, caller)
      .then(
        (result) => answer({ result: result ?? null }),
        (error: unknown) => {
          if (error instanceof ApplicationError) return fail(error);
          logger.error({ err: error, procedure }, `controller procedure ${procedure} failed`);
          return fail(new ApplicationError(ErrorUri.RUNTIME_ERROR, { args: [`${procedure} failed`] }));
        },
      )
      .finally(() => {
        pending -= 1;
      });
    return true;
  };
}

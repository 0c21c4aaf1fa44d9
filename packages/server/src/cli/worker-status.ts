/**
 * `interchange status` of a node that runs as several processes (`start --workers N`, or router
 * workers with shared endpoints or cpu_affinity): the primary holds the control socket
 * (control-socket.ts) and asks each worker process for its figures over the IPC channel that
 * node:cluster opened between them.
 */
import type { Worker } from 'node:cluster';
import type { ActivitySnapshot } from '../metrics/node-activity.js';

/** What a worker process says about itself. */
export interface WorkerStatus {
  /** The worker's position, from 0. */
  index: number;
  pid: number | undefined;
  /** Its cluster node ID. */
  node: string;
  /** Undefined while it is starting, or when it did not answer in time. */
  activity: ActivitySnapshot | undefined;
}

const REQUEST = 'interchange:status?';
const REPLY = 'interchange:status';

interface Request {
  type: typeof REQUEST;
  id: number;
}

interface Reply {
  type: typeof REPLY;
  id: number;
  status: WorkerStatus;
}

function isReply(message: unknown, id: number): message is Reply {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Reply).type === REPLY &&
    (message as Reply).id === id &&
    typeof (message as Reply).status === 'object'
  );
}

/** In a worker process: answers its primary's status requests with `status()`. */
export function answerStatusRequests(status: () => WorkerStatus): void {
  process.on('message', (message: unknown) => {
    const request = message as Request;
    if (typeof request !== 'object' || request === null || request.type !== REQUEST) return;
    const reply: Reply = { type: REPLY, id: request.id, status: status() };
    process.send?.(reply);
  });
}

let nextId = 1;

/**
 * In the primary: each worker's status, in worker order. A worker that does not answer within
 * `timeoutMs` (stopping, or busy) is listed without figures.
 */
export function askWorkers(
  workers: readonly { worker: Worker; node: string }[],
  timeoutMs = 1000,
): Promise<WorkerStatus[]> {
  return Promise.all(
    workers.map(({ worker, node }, index) => {
      const silent: WorkerStatus = { index, pid: worker.process.pid, node, activity: undefined };
      if (worker.isDead() || !worker.isConnected()) return Promise.resolve(silent);
      const id = nextId++;
      return new Promise<WorkerStatus>((resolve) => {
        const done = (status: WorkerStatus) => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          resolve(status);
        };
        const onMessage = (message: unknown) => {
          if (isReply(message, id)) done({ ...message.status, index, node });
        };
        const timer = setTimeout(() => done(silent), timeoutMs);
        worker.on('message', onMessage);
        try {
          worker.send({ type: REQUEST, id } satisfies Request);
        } catch {
          done(silent);
        }
      });
    }),
  );
}

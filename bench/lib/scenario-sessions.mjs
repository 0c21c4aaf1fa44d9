/**
 * Connection scale: open as many idle sessions (joined, nothing else) as asked, keep them while
 * the orchestrator reads the router's memory, then close them. Opening is best effort: when the
 * router or this process runs out of file descriptors, the count reached is the result.
 */
import { Code } from './wire.mjs';
import { WampRawClient } from './ws-client.mjs';

/** Opens up to `job.count` sessions; resolves with how many joined and the first error, if any. */
export async function openSessions(job) {
  const { host, port, serializer, realm } = job;
  const clients = [];
  let next = 0;
  let firstError;
  let failures = 0;
  const started = performance.now();
  async function lane() {
    while (next < job.count && failures < 50) {
      next++;
      const client = new WampRawClient({ host, port, serializer });
      try {
        const welcome = await client.join(realm);
        if (welcome[0] !== Code.WELCOME) throw new Error('no WELCOME');
        clients.push(client);
      } catch (error) {
        failures++;
        firstError ??= String(error?.message ?? error);
        client.destroy();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(job.concurrency ?? 200, job.count) }, lane));
  const seconds = (performance.now() - started) / 1000;
  // Sessions the router dropped after joining (it ran out of descriptors) do not count.
  const open = clients.filter((client) => !client.closed);
  return {
    clients: open,
    result: {
      opened: open.length,
      asked: job.count,
      seconds,
      sessionsPerSecond: open.length / seconds,
      error: firstError,
    },
  };
}

/**
 * A measurement window: warm up, then count what the scenario counts over a fixed time, with the
 * CPU the router and the generator used meanwhile (so a result shows whether the router was the
 * bottleneck: near 100 % of its core, with the generator below that).
 */
import { CpuMeter } from './proc-stats.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a window. `count()` returns the running total the scenario measures (calls answered,
 * events received); `failure()` returns a reason to stop early (a connection lost), or undefined.
 *
 * @returns {Promise<{ count: number, seconds: number, rate: number, routerCpu: number, loadCpu: number }>}
 */
export async function measureWindow({ warmupMs, durationMs, routerPid, count, failure }) {
  await waitOrFail(warmupMs, failure);
  const router = new CpuMeter(routerPid);
  const self = new CpuMeter(process.pid);
  const n0 = count();
  const t0 = process.hrtime.bigint();
  router.start();
  self.start();
  // Sample progress each second: a router that stops answering fails the run instead of
  // reporting a rate from the first second only.
  let last = n0;
  let idleMs = 0;
  for (let left = durationMs; left > 0; left -= 250) {
    await waitOrFail(Math.min(250, left), failure);
    const now = count();
    idleMs = now === last ? idleMs + 250 : 0;
    last = now;
    if (idleMs >= 3000) throw new Error('no progress for 3 s: the router stopped answering');
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = count() - n0;
  const result = { count: n, seconds, rate: n / seconds, routerCpu: router.stop(), loadCpu: self.stop() };
  if (n === 0) throw new Error('nothing was delivered in the measurement window');
  return result;
}

/** Waits `ms`, failing as soon as `failure()` names a reason. */
export async function waitOrFail(ms, failure) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const reason = failure?.();
    if (reason !== undefined) throw new Error(reason);
    await sleep(Math.min(50, end - Date.now()));
  }
  const reason = failure?.();
  if (reason !== undefined) throw new Error(reason);
}

/** Watches clients: the first one closed by the other side becomes the failure reason. */
export function watchClients(clients, what = 'the router') {
  let reason;
  let stopping = false;
  for (const client of clients) {
    client.onClose = () => {
      if (!stopping && reason === undefined) reason = `${what} closed a connection during the run`;
    };
  }
  return {
    failure: () => reason,
    /** Call before closing clients on purpose. */
    stop: () => {
      stopping = true;
    },
  };
}

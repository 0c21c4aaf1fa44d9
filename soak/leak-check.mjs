/**
 * The per-session leak check of `npm run soak` (soak/run.mjs, "leak phase"): heap after a full GC
 * measured after each round of sessions joining and leaving, against the number of sessions so
 * far. A leak of a few hundred bytes a session hides in the noise of one comparison of two heap
 * sizes (GC timing, caches, JIT code move the heap by hundreds of KiB), but not in the slope of a
 * line fitted through several rounds of thousands of sessions: that slope is the bytes each
 * session leaves behind. Pure functions, so that test/soak/leak-check.test.ts can feed them a
 * leaking fake as well as a real node with a leak injected.
 */

/**
 * The least-squares slope of heap bytes against sessions so far: bytes left behind per session.
 * @param {{ sessions: number, heapUsed: number }[]} points one per round, after GC
 */
export function bytesPerSession(points) {
  const n = points.length;
  if (n < 2) throw new Error('the leak check needs at least two rounds');
  const meanX = points.reduce((s, p) => s + p.sessions, 0) / n;
  const meanY = points.reduce((s, p) => s + p.heapUsed, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const p of points) {
    numerator += (p.sessions - meanX) * (p.heapUsed - meanY);
    denominator += (p.sessions - meanX) ** 2;
  }
  if (denominator === 0) throw new Error('the leak check needs rounds with different session counts');
  return numerator / denominator;
}

/**
 * The verdict: a failure message when sessions leave more than `threshold` bytes each behind,
 * else undefined.
 * @param {{ sessions: number, heapUsed: number }[]} points
 * @param {number} threshold bytes per session
 */
export function leakFailure(points, threshold) {
  const slope = bytesPerSession(points);
  if (slope <= threshold) return undefined;
  const sessions = points.at(-1).sessions - points[0].sessions;
  return (
    `heap after GC grows by ${slope.toFixed(0)} bytes per session (bound ${threshold}): ` +
    `${((points.at(-1).heapUsed - points[0].heapUsed) / 1024).toFixed(0)} KiB over ${sessions} sessions`
  );
}

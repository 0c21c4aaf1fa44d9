/**
 * Vitest global setup: every temporary file a test run makes goes under one folder, removed
 * when the run ends.
 *
 * Tests, the nodes they start, Python components, nats-server and Chromium all ask the operating
 * system for a temporary directory, and many tests never remove theirs (a node's cbdir, keys,
 * zip files, stores). Pointing `TMPDIR` at a folder of the run's own before any test worker is
 * forked covers all of them at once: Node's `os.tmpdir()`, Python's `tempfile` and most C tools
 * read it, and the forked workers and every process they spawn inherit it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'interchange-tests-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}

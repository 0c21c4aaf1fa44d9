/**
 * The control channel every target launcher speaks with run.mjs over IPC: it says `ready` with
 * the bound port, answers `memory` with its heap and RSS after a full garbage collection (the
 * launcher runs with --expose-gc), exits normally on `exit` (so --cpu-prof writes its profile),
 * and exits when run.mjs goes away, so no router outlives a run.
 */

/** Parses `--name value` pairs. */
export function launcherArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  return args;
}

/** Starts answering run.mjs; call `ready(port)` once the target listens. */
export function controlChannel() {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message?.type === 'memory') {
      // Twice: the first pass may only queue finalizers; the second frees what they released.
      const gc = globalThis.gc ?? (() => globalThis.Bun?.gc(true));
      gc();
      gc();
      process.send({ type: 'memory', usage: process.memoryUsage() });
    } else if (message?.type === 'exit') {
      // A normal exit, so that --cpu-prof writes its profile.
      process.exit(0);
    }
  });
  return {
    /** `extra`: further addresses, such as `{ mqttPort }`. */
    ready(port, extra = {}) {
      process.send({ type: 'ready', port, ...extra });
    },
    fail(error) {
      process.send({ type: 'failed', message: String(error?.stack ?? error) });
      process.exit(1);
    },
  };
}

/**
 * Guest `watch` (Crossbar's shape `{"directories": [...], "action": "restart", "timeout": 1}`):
 * node:fs watches the directories recursively; the first change after a (re)start is logged and,
 * with `action: "restart"`, restarts the guest `timeout` seconds later (default 1), so a burst
 * of writes (an editor saving, a build) leads to one restart. Without an action, changes are
 * only logged, as in Crossbar.
 */
import { type FSWatcher, watch } from 'node:fs';
import type { Logger } from '../logger.js';

/** A guest's `options.watch`. */
export interface GuestWatchConfig {
  directories: string[];
  action?: 'restart' | undefined;
  /** Seconds between the change and the restart. */
  timeout?: number | undefined;
}

/** Options of {@link GuestWatch}. */
export interface GuestWatchOptions {
  id: string;
  config: GuestWatchConfig;
  /** The directories, absolute. */
  directories: string[];
  restart: () => void;
  logger: Logger;
}

/** Watches a guest's directories while it runs. */
export class GuestWatch {
  readonly #options: GuestWatchOptions;
  readonly #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pending = false;

  constructor(options: GuestWatchOptions) {
    this.#options = options;
  }

  /** Starts watching. */
  start(): void {
    for (const directory of this.#options.directories) {
      try {
        const watcher = watch(directory, { recursive: true }, (_event, file) => this.#changed(directory, file));
        watcher.on('error', (error) => {
          this.#options.logger.warn(
            { worker: this.#options.id, err: error },
            `[${this.#options.id}] watch of ${directory} failed`,
          );
        });
        this.#watchers.push(watcher);
      } catch (error) {
        this.#options.logger.warn(
          { worker: this.#options.id, err: error },
          `[${this.#options.id}] cannot watch ${directory}`,
        );
      }
    }
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.splice(0)) watcher.close();
  }

  #changed(directory: string, file: string | Buffer | null): void {
    const { id, config, logger } = this.#options;
    if (this.#pending) return;
    const what = file === null ? directory : `${directory}/${file.toString()}`;
    if (config.action !== 'restart') {
      logger.info({ worker: id, file: what }, `[${id}] ${what} changed; no action configured`);
      return;
    }
    this.#pending = true;
    const delayMs = (config.timeout ?? 1) * 1000;
    logger.info({ worker: id, file: what }, `[${id}] ${what} changed; restarting in ${delayMs} ms`);
    this.#timer = setTimeout(() => {
      this.#pending = false;
      this.#options.restart();
    }, delayMs);
  }
}

/**
 * The `interchange` command line, as a function of its arguments and I/O so tests drive it
 * without spawning a process. `cli.ts` (the bin) only calls {@link runCli} and sets the exit code.
 *
 * Commands mirror Crossbar's: `init`, `start`, `stop`, `status`, `check`, `convert`, `keys`,
 * `version`.
 */

import cluster, { type Worker } from 'node:cluster';
import { parseArgs } from 'node:util';
import type { ClusterConfig } from '../config/cluster-schema.js';
import { ConfigError, type ConfigIssue, formatIssue } from '../config/config-issues.js';
import type { NodeConfig } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { configOfRouterProcess, routerProcessesOf } from '../config/router-processes.js';
import type { Logger } from '../logger.js';
import { InterchangeNode } from '../node.js';
import { workersStoreConflict } from '../store/worker-store-check.js';
import { packageVersion } from '../version.js';
import { openControlSocket } from './control-socket.js';
import { runInit } from './init-command.js';
import { convertCommand, keysCommand, type NodeCommandOptions, statusCommand, stopCommand } from './node-commands.js';
import { createNodeLogger, DEFAULT_LOG_SETTINGS, type LogSettings, parseLogSettings } from './node-logger.js';
import { removePidFile, runningNode, writePidFile } from './pid-file.js';
import {
  findNatsServer,
  type LocalNats,
  runWorkers,
  startLocalNats,
  type WorkerSettings,
  workerSettings,
  workerWaitForStop,
} from './worker-processes.js';
import { requestNodeShutdown } from './worker-shutdown-request.js';
import { answerStatusRequests, askWorkers } from './worker-status.js';

/** Exit codes of the CLI. */
export const ExitCode = {
  OK: 0,
  /** The command failed: invalid config, port in use, init refused. */
  FAILURE: 1,
  /** The command line was wrong: unknown command or option. */
  USAGE: 2,
} as const;

/** Where the CLI writes and what it runs in. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The directory relative paths resolve against. */
  cwd: string;
  /**
   * The node's logger for the `--loglevel`, `--logformat` and `--color` of `start`: pino on
   * stdout by default (JSON lines, or pretty on a terminal; see `node-logger.ts`).
   */
  createLogger: (settings: LogSettings) => Logger;
  /** Resolves (with the signal name) when a started node should stop; SIGINT or SIGTERM by default. */
  waitForStop: () => Promise<string>;
}

/** The usage text. */
export const USAGE = `Usage: interchange <command> [options]

Commands:
  init     [--cbdir DIR]                  create DIR/config.json (default .interchange) and a web/ folder beside it
  start    [--config FILE] [--cbdir DIR]  run the node in the foreground (writes DIR/node.pid); SIGINT or SIGTERM stop it
           [--node-id ID]                 names this node of a cluster (config "cluster")
           [--workers N]                  runs N router processes sharing the ports, joined through NATS
                                          (the config's "cluster", or a local nats-server started for them);
                                          router workers with "shared" endpoints or "cpu_affinity" run as
                                          such processes without --workers, one per router worker
           [--loglevel LEVEL]             none, error, warn, info (default), debug or trace (every message in and out)
           [--logformat FORMAT]           standard, syslogd, none or json (default: standard on a terminal, else json)
           [--color auto|true|false]      colour the standard, syslogd and none formats (default auto: on a terminal)
  stop     [--cbdir DIR] [--timeout S]    stop the node running from DIR: SIGTERM, SIGKILL after S seconds (default 10)
  status   [--cbdir DIR] [--assert running|stopped]
                                          print whether a node runs from DIR and its live figures (sessions, message
                                          rates, traffic, memory); exits 1 if the asserted state does not hold
  check    [--config FILE] [--cbdir DIR]  validate the config; prints "ok" or the problems
  convert  [--config FILE] [--cbdir DIR]  write config.yaml from config.json, or config.json from config.yaml
  keys     [--cbdir DIR] [--private]      print the node's Ed25519 public key (DIR/key.pub), creating the key pair if needed
  version                                 print the version

Without --config, the config is DIR/config.json, config.yaml or config.yml (DIR defaults to
.interchange). With --config alone, the config file's directory is the node directory; paths in
the config resolve against the node directory.
`;

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while stopping gives up on the orderly stop.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function defaultIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    createLogger: (settings) => createNodeLogger(settings),
    waitForStop: waitForSignal,
  };
}

export { packageVersion } from '../version.js';

type Options = { config?: string | undefined; cbdir?: string | undefined };
type StartOptions = Options & {
  log?: LogSettings;
  /** The log flags as given, passed on to worker processes so they log as the primary does. */
  logArgs?: string[];
  'node-id'?: string | undefined;
  workers?: string | undefined;
};

function reportConfigError(error: ConfigError, io: CliIo): void {
  io.stderr.write(`invalid node config${error.file === undefined ? '' : ` ${error.file}`}:\n`);
  for (const issue of error.issues) io.stderr.write(`  ${formatIssue(issue)}\n`);
}

/**
 * `check`: every problem of the config in one run (schema, cross-references, files), errors and
 * warnings alike; exit 1 when there is an error. Warnings alone (the node would start) still
 * print "ok", after the warnings.
 */
async function check(options: Options, io: CliIo): Promise<number> {
  let warnings: readonly ConfigIssue[];
  try {
    ({ warnings } = await loadConfig({ ...options, cwd: io.cwd }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportConfigError(error, io);
    return ExitCode.FAILURE;
  }
  for (const warning of warnings) io.stderr.write(`${formatIssue(warning)}\n`);
  const count = warnings.length;
  io.stdout.write(count === 0 ? 'ok\n' : `ok (${count} warning${count === 1 ? '' : 's'})\n`);
  return ExitCode.OK;
}

async function start(options: StartOptions, io: CliIo): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({ ...options, cwd: io.cwd });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportConfigError(error, io);
    return ExitCode.FAILURE;
  }
  const log = options.log ?? DEFAULT_LOG_SETTINGS;
  // A worker forked by `start --workers N`, or one router worker's process: its primary owns
  // the pid file and the signals.
  const worker = workerSettings();
  if (worker !== undefined) {
    const own =
      worker.router === undefined
        ? loaded
        : { ...loaded, config: configOfRouterProcess(loaded.config, worker.router, worker.index === 0) };
    // The primary's control socket answers `status` (asking each worker); a worker opens none.
    const code = await runNode(
      own,
      { ...io, waitForStop: workerWaitForStop },
      { nodeId: worker.node, cluster: worker.cluster },
      log,
      { control: false, worker },
    );
    // The channel to the primary would keep the process alive after the node stopped. Through
    // the cluster worker, not process.disconnect(): on a plain disconnect node:cluster ends the
    // worker with exit code 0, and the primary would not see a failed start.
    cluster.worker?.disconnect();
    return code;
  }
  const count = options.workers === undefined ? 1 : Number(options.workers);
  const routerProcesses = routerProcessesOf(loaded.config);
  if (routerProcesses !== undefined && options.workers !== undefined) {
    io.stderr.write(
      'interchange: --workers does not apply to this config: its router workers use shared endpoints or ' +
        'cpu_affinity, so each of them runs as its own process already; leave out --workers, or keep one router worker\n',
    );
    return ExitCode.FAILURE;
  }
  const storeConflict = workersStoreConflict(loaded.config, count);
  if (storeConflict !== undefined) {
    io.stderr.write(`interchange: ${storeConflict}\n`);
    return ExitCode.FAILURE;
  }
  const running = await runningNode(loaded.cbdir);
  if (running !== undefined) {
    io.stderr.write(`interchange: a node is already running from ${loaded.cbdir} (PID ${running.pid})\n`);
    return ExitCode.FAILURE;
  }
  await writePidFile(loaded.cbdir, {
    argv: process.argv,
    options: { command: 'start', config: loaded.file, cbdir: loaded.cbdir },
  });
  try {
    if (count > 1 || routerProcesses !== undefined) {
      const routers = routerProcesses?.map((index) => ({ index, name: processName(loaded.config, index) }));
      return await runPrimary(loaded, { count, routers, logArgs: options.logArgs ?? [] }, options['node-id'], io, log);
    }
    return await runNode(loaded, io, { nodeId: options['node-id'] }, log, { control: true });
  } finally {
    await removePidFile(loaded.cbdir);
  }
}

/** Runs one node in this process until a stop signal. */
async function runNode(
  loaded: Awaited<ReturnType<typeof loadConfig>>,
  io: CliIo,
  cluster: { nodeId?: string | undefined; cluster?: ClusterConfig | undefined },
  log: LogSettings,
  options: { control: boolean; worker?: WorkerSettings },
): Promise<number> {
  const logger = io.createLogger(log);
  const controller = loaded.config.controller;
  // Crossbar's controller `options.title` names the node's process (as `ps` shows it).
  if (controller?.options?.title !== undefined) process.title = controller.options.title;
  logger.info(
    {
      config: loaded.file,
      cbdir: loaded.cbdir,
      version: await packageVersion(),
      ...(controller?.id === undefined ? {} : { node: controller.id }),
    },
    'starting node',
  );
  let node: InterchangeNode | undefined;
  const worker = options.worker;
  if (worker !== undefined) {
    answerStatusRequests(() => ({
      index: worker.index,
      pid: process.pid,
      node: worker.node,
      activity: node?.activity(),
    }));
  }
  // Open before the node starts, so that once "node started" is logged, status can ask it.
  const control = options.control
    ? await openControlSocket(loaded.cbdir, () => ({ pid: process.pid, activity: node?.activity() }), logger)
    : undefined;
  try {
    node = await InterchangeNode.start({
      config: loaded.config,
      cbdir: loaded.cbdir,
      logger,
      ...(cluster.nodeId === undefined ? {} : { nodeId: cluster.nodeId }),
      ...(cluster.cluster === undefined ? {} : { cluster: cluster.cluster }),
    });
  } catch (error) {
    await control?.close();
    logger.error({ err: error }, 'node failed to start');
    io.stderr.write(`interchange: the node failed to start: ${(error as Error).message}\n`);
    return ExitCode.FAILURE;
  }
  const running = node;
  const outcome = await Promise.race([
    io.waitForStop().then((signal) => ({ signal }) as const),
    running.selfShutdown.then((cause) => ({ cause }) as const),
  ]);
  if ('signal' in outcome) logger.info({ signal: outcome.signal }, 'stopping node');
  // A worker process whose code called crossbar.shutdown: the whole node stops.
  if (worker !== undefined && 'cause' in outcome && outcome.cause.trigger === 'shutdown_on_shutdown_requested')
    requestNodeShutdown();
  await control?.close();
  await running.stop();
  // Stopped by a worker's exit (controller options.shutdown): a failed worker fails the node.
  return 'cause' in outcome && outcome.cause.error ? ExitCode.FAILURE : ExitCode.OK;
}

/** The name a router worker's process ends its node ID in: its `id`, or `w<index>`. */
function processName(config: NodeConfig, index: number): string {
  const id = config.workers[index]?.id;
  return id === undefined ? `w${index}` : id.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * `start --workers N`, or a config whose router workers each run as a process (shared endpoints,
 * cpu_affinity): forks the worker processes, each a cluster node, sharing the ports; starts a
 * local nats-server for them when the config has no `cluster` block. The primary's control
 * socket answers `status` with every worker's figures.
 */
async function runPrimary(
  loaded: Awaited<ReturnType<typeof loadConfig>>,
  processes: { count: number; routers: { index: number; name: string }[] | undefined; logArgs: string[] },
  nodeId: string | undefined,
  io: CliIo,
  log: LogSettings,
): Promise<number> {
  const logger = io.createLogger(log);
  let forked: readonly { worker: Worker; node: string }[] = [];
  const control = await openControlSocket(
    loaded.cbdir,
    async () => ({ pid: process.pid, activity: undefined, workers: await askWorkers(forked) }),
    logger,
  );
  try {
    return await superviseWorkers(loaded, processes, nodeId, io, logger, (workers) => {
      forked = workers;
    });
  } finally {
    await control?.close();
  }
}

async function superviseWorkers(
  loaded: Awaited<ReturnType<typeof loadConfig>>,
  processes: { count: number; routers: { index: number; name: string }[] | undefined; logArgs: string[] },
  nodeId: string | undefined,
  io: CliIo,
  logger: Logger,
  onForked: (workers: readonly { worker: Worker; node: string }[]) => void,
): Promise<number> {
  let nats: LocalNats | undefined;
  if (loaded.config.cluster === undefined) {
    const binary = await findNatsServer();
    if (binary === undefined) {
      const who =
        processes.routers === undefined
          ? '--workers'
          : 'router workers with shared endpoints or cpu_affinity (each a process of one router)';
      io.stderr.write(
        `interchange: ${who} need${processes.routers === undefined ? 's' : ''} NATS: install nats-server ` +
          '(Debian/Ubuntu: apt install nats-server; or https://nats.io/download), or give the config a ' +
          '"cluster" block naming a NATS server\n',
      );
      return ExitCode.FAILURE;
    }
    try {
      nats = await startLocalNats(binary, logger);
    } catch (error) {
      io.stderr.write(`interchange: the local nats-server failed to start: ${(error as Error).message}\n`);
      return ExitCode.FAILURE;
    }
  }
  try {
    return await runWorkers({
      count: processes.count,
      ...(processes.routers === undefined ? {} : { routers: processes.routers }),
      onForked,
      args: ['start', '--config', loaded.file, '--cbdir', loaded.cbdir, ...processes.logArgs],
      node: nodeId ?? loaded.config.cluster?.node,
      nats: nats?.url,
      logger,
      waitForStop: io.waitForStop,
    });
  } finally {
    await nats?.stop();
  }
}

async function init(options: Options, io: CliIo): Promise<number> {
  const result = await runInit({ cwd: io.cwd, cbdir: options.cbdir });
  if (!result.ok) {
    io.stderr.write(`interchange init: ${result.error}\n`);
    return ExitCode.FAILURE;
  }
  const { plan } = result;
  io.stdout.write(`created ${plan.configFile}\ncreated ${plan.indexFile}\ncreated ${plan.bundleFile}\n`);
  const startArgs = options.cbdir === undefined ? '' : ` --cbdir ${options.cbdir}`;
  io.stdout.write(`run "interchange start${startArgs}" and open http://localhost:8080/\n`);
  return ExitCode.OK;
}

/**
 * Runs one CLI invocation and resolves to its exit code. `start` resolves only once the node has
 * stopped (on `io.waitForStop`).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const env: CliIo = { ...defaultIo(), ...io };
  const [command, ...rest] = argv;
  const usageError = (message: string): number => {
    env.stderr.write(`interchange: ${message}\n\n${USAGE}`);
    return ExitCode.USAGE;
  };
  if (command === undefined) return usageError('no command given');
  if (command === 'help' || command === '--help' || command === '-h') {
    env.stdout.write(USAGE);
    return ExitCode.OK;
  }
  if (command === 'version' || command === '--version') {
    if (rest.length > 0) return usageError(`version takes no arguments, got ${rest.join(' ')}`);
    env.stdout.write(`${await packageVersion()}\n`);
    return ExitCode.OK;
  }
  const commands = ['init', 'start', 'stop', 'status', 'check', 'convert', 'keys'] as const;
  if (!(commands as readonly string[]).includes(command)) return usageError(`unknown command "${command}"`);

  let values: NodeCommandOptions;
  try {
    const parsed = parseArgs({
      args: [...rest],
      options: {
        config: { type: 'string' },
        cbdir: { type: 'string' },
        assert: { type: 'string' },
        timeout: { type: 'string' },
        private: { type: 'boolean' },
        'node-id': { type: 'string' },
        workers: { type: 'string' },
        loglevel: { type: 'string' },
        logformat: { type: 'string' },
        color: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    values = parsed.values;
  } catch (error) {
    return usageError((error as Error).message);
  }
  const only = (allowed: readonly (keyof NodeCommandOptions)[]): string | undefined => {
    const extra = (Object.keys(values) as (keyof NodeCommandOptions)[]).filter(
      (key) => values[key] !== undefined && !allowed.includes(key),
    );
    return extra.length === 0 ? undefined : `${command} does not take --${extra.join(', --')}`;
  };
  const allowed: Record<(typeof commands)[number], readonly (keyof NodeCommandOptions)[]> = {
    init: ['cbdir'],
    start: ['config', 'cbdir', 'node-id', 'workers', 'loglevel', 'logformat', 'color'],
    check: ['config', 'cbdir'],
    convert: ['config', 'cbdir'],
    stop: ['config', 'cbdir', 'timeout'],
    status: ['config', 'cbdir', 'assert'],
    keys: ['config', 'cbdir', 'private'],
  };
  const name = command as (typeof commands)[number];
  if (name === 'init' && values.config !== undefined) return usageError('init takes --cbdir only');
  const misuse = only(allowed[name]);
  if (misuse !== undefined) return usageError(misuse);
  if (values.workers !== undefined && !/^[1-9][0-9]?$/.test(values.workers)) {
    return usageError(`--workers takes a number of processes 1..99, got ${values.workers}`);
  }
  if (values.assert !== undefined && values.assert !== 'running' && values.assert !== 'stopped') {
    return usageError(`--assert takes running or stopped, got ${values.assert}`);
  }
  switch (name) {
    case 'init':
      return init(values, env);
    case 'check':
      return check(values, env);
    case 'start': {
      const log = parseLogSettings(values);
      if ('error' in log) return usageError(log.error);
      const logArgs = (['loglevel', 'logformat', 'color'] as const).flatMap((flag) =>
        values[flag] === undefined ? [] : [`--${flag}`, values[flag]],
      );
      return start(
        {
          config: values.config,
          cbdir: values.cbdir,
          'node-id': values['node-id'],
          workers: values.workers,
          log,
          logArgs,
        },
        env,
      );
    }
    case 'stop':
      return stopCommand(values, env);
    case 'status':
      return statusCommand(values, env);
    case 'convert':
      return convertCommand(values, env);
    case 'keys':
      return keysCommand(values, env);
  }
}

/**
 * One cell of a run: a fresh router (core 0), fresh load agents (core 1), one scenario, then both
 * stopped whatever happened. A failure (the router crashed, stopped answering, refused) becomes
 * the cell's result, with the reason.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TARGETS } from './options.mjs';
import { memory, openFileLimit } from './proc-stats.mjs';
import { nextMessage, request, spawnNode, stop } from './processes.mjs';

const HOST = '127.0.0.1';
const REALM = 'realm1';
const ROUTER_CORE = 0;
const LOAD_CORE = 1;
/** Sessions one agent opens at most: below its own file-descriptor limit (20,000 here). */
const SESSIONS_PER_AGENT = 8000;

async function startTarget(name, context, store, mqtt) {
  // A script comparing variants of Interchange names them itself (pretenuring.mjs: `variants`).
  const target = context.variants?.[name] ?? TARGETS[name];
  const args = ['--realm', REALM, '--peers', context.peersDir];
  if (store !== undefined) args.push('--store', store);
  // An MQTT transport beside the WebSocket one, for the mqtt scenario (targets/interchange.mjs).
  if (mqtt) args.push('--mqtt', 'true');
  if (context.bundles[name] !== undefined) args.push('--bundle', context.bundles[name]);
  const bun = target.runtime === 'bun';
  if (bun && context.bunPath === undefined) throw new Error(`${name} needs Bun, which is not installed`);
  // Bun takes none of Node's flags; its control channel collects garbage with Bun.gc instead.
  const execArgv = bun ? [] : ['--expose-gc'];
  // Node flags for Interchange: the variant's own (pretenuring.mjs), else those of the run.
  if (target.launcher === 'interchange.mjs') execArgv.push(...(target.execArgv ?? context.interchangeFlags));
  // Every Node target, so a profile of Interchange can be read beside the floor's (issue 17).
  if (context.profile && !bun) {
    mkdirSync(context.profileDir, { recursive: true });
    execArgv.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      context.profileDir,
      '--cpu-prof-name',
      `${name}-${Date.now()}.cpuprofile`,
    );
  }
  const child = spawnNode(join(context.here, 'targets', target.launcher), args, {
    core: ROUTER_CORE,
    execArgv,
    execPath: bun ? context.bunPath : undefined,
  });
  try {
    const { port, mqttPort } = await nextMessage(child, ['ready'], 30_000);
    child.port = port;
    child.mqttPort = mqttPort;
    return child;
  } catch (error) {
    await stop(child);
    throw new Error(`${name} did not start: ${error.message}`);
  }
}

async function startAgent(context) {
  const execArgv = [];
  if (context.profileLoad) {
    mkdirSync(context.profileDir, { recursive: true });
    execArgv.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      context.profileDir,
      '--cpu-prof-name',
      `agent-${Date.now()}.cpuprofile`,
    );
  }
  const child = spawnNode(join(context.here, 'lib', 'agent.mjs'), [], { core: LOAD_CORE, execArgv });
  await nextMessage(child, ['ready'], 30_000);
  return child;
}

/** The `half` rate: half of what rpc-throughput measured for the same target and serializer. */
function resolveRate(cell, results) {
  if (cell.params.rate !== 'half') return cell.params.rate;
  const max = results.find(
    (r) => r.ok && r.scenario === 'rpc-throughput' && r.target === cell.target && r.serializer === cell.serializer,
  );
  if (max === undefined)
    throw new Error("rate 'half' needs an rpc-throughput result of the same target and serializer in this run");
  return Math.max(100, Math.round(max.rate / 2));
}

async function runScenario(cell, target, context, agents) {
  const { sizes } = context;
  const job = {
    ...cell.params,
    scenario: cell.scenario,
    host: HOST,
    port: target.port,
    mqttPort: target.mqttPort,
    serializer: cell.serializer,
    realm: REALM,
    routerPid: target.pid,
    warmupMs: sizes.warmupMs,
    durationMs: sizes.durationMs,
  };
  if (cell.scenario === 'rpc-latency') job.rate = resolveRate(cell, context.results);
  const agent = await startAgent(context);
  agents.push(agent);
  // Generous: setting up 10,000 subscribers to a slow router takes a while.
  const timeout = sizes.warmupMs + sizes.durationMs + 120_000;
  const { result } = await request(agent, { type: 'run', job }, ['result'], timeout);
  return { ...result, routerPeakRss: memory(target.pid)?.peakRss };
}

async function routerMemory(target) {
  const { usage } = await request(target, { type: 'memory' }, ['memory'], 30_000);
  return usage;
}

async function runSessions(cell, target, context, agents) {
  const limit = openFileLimit(target.pid);
  const asked = cell.params.count === 'max' ? (Number.isFinite(limit) ? limit - 100 : 10_000) : cell.params.count;
  const before = await routerMemory(target);
  const shares = [];
  for (let left = asked; left > 0; left -= SESSIONS_PER_AGENT) shares.push(Math.min(left, SESSIONS_PER_AGENT));
  for (let i = 0; i < shares.length; i++) agents.push(await startAgent(context));
  const job = { host: HOST, port: target.port, serializer: cell.serializer, realm: REALM, concurrency: 100 };
  const opened = await Promise.all(
    agents.map((agent, i) =>
      request(agent, { type: 'open-sessions', job: { ...job, count: shares[i] } }, ['result'], 300_000),
    ),
  );
  const sessions = opened.reduce((sum, { result }) => sum + result.opened, 0);
  const seconds = Math.max(...opened.map(({ result }) => result.seconds));
  const error = opened.map(({ result }) => result.error).find((e) => e !== undefined);
  if (sessions === 0) throw new Error(`no session opened${error ? `: ${error}` : ''}`);
  const after = await routerMemory(target);
  const rss = memory(target.pid);
  await Promise.all(agents.map((agent) => request(agent, { type: 'close-sessions' }, ['result'], 60_000)));
  const per = (key) => (after[key] - before[key]) / sessions;
  return {
    opened: sessions,
    asked,
    fdLimit: limit,
    openError: error,
    sessionsPerSecond: sessions / seconds,
    before,
    after,
    routerRss: rss?.rss,
    routerPeakRss: rss?.peakRss,
    perSession: { rss: per('rss'), heapUsed: per('heapUsed'), external: per('external') },
  };
}

/** Runs one cell; never throws. */
export async function runCell(cell, context) {
  const agents = [];
  let target;
  try {
    target = await startTarget(cell.target, context, cell.params.store, cell.scenario === 'mqtt');
    const run = cell.scenario === 'sessions' ? runSessions : runScenario;
    const result = await run(cell, target, context, agents);
    if (target.exitStatus !== undefined) throw new Error(`the router exited (${target.exitStatus}) during the run`);
    return { ...cell, ok: true, ...result };
  } catch (error) {
    let message = error.message.split('\n')[0];
    if (target?.exitStatus !== undefined) {
      const tail = target.stderrTail.trim().split('\n').slice(-3).join(' | ');
      message = `the router exited (${target.exitStatus}): ${tail || message}`;
    }
    return { ...cell, ok: false, error: message };
  } finally {
    await Promise.all(agents.map((agent) => stop(agent)));
    await stop(target);
  }
}

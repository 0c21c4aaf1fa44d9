/**
 * A load agent: a child process of run.mjs (pinned to the load core) that runs one scenario job
 * it is sent over IPC and reports the result. It exits when its parent goes away, so an aborted
 * run never leaves load processes behind.
 */

import { durablePublish } from './scenario-durable.mjs';
import { mqttScenario } from './scenario-mqtt.mjs';
import { fanout, manyTopics } from './scenario-pubsub.mjs';
import { rpcLatency, rpcThroughput } from './scenario-rpc.mjs';
import { openSessions } from './scenario-sessions.mjs';

const scenarios = {
  'rpc-throughput': rpcThroughput,
  'rpc-latency': rpcLatency,
  fanout,
  topics: manyTopics,
  'durable-publish': durablePublish,
  mqtt: mqttScenario,
};

let sessions = [];

process.on('disconnect', () => process.exit(0));

process.on('message', async (message) => {
  try {
    switch (message.type) {
      case 'run': {
        const scenario = scenarios[message.job.scenario];
        if (scenario === undefined) throw new Error(`unknown scenario ${message.job.scenario}`);
        const result = await scenario(message.job);
        process.send({ type: 'result', result });
        break;
      }
      case 'open-sessions': {
        const opened = await openSessions(message.job);
        sessions = opened.clients;
        process.send({ type: 'result', result: opened.result });
        break;
      }
      case 'close-sessions': {
        for (const client of sessions) client.destroy();
        sessions = [];
        process.send({ type: 'result', result: { closed: true } });
        break;
      }
      case 'exit':
        process.exit(0);
        break;
      default:
        throw new Error(`unknown command ${message.type}`);
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});

process.send({ type: 'ready' });

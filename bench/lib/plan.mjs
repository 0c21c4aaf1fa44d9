/** The cells of a run: one per scenario, target, serializer and size, in run order. */
import { TARGETS } from './options.mjs';

/** Lists the cells `options` asks for. */
export function planCells(options) {
  const { sizes } = options;
  const cells = [];
  for (const scenario of options.scenarios) {
    // Runs on its own, after the cells (run.mjs, scenario-cluster.mjs).
    if (scenario === 'cluster') continue;
    for (const target of options.targets) {
      let serializers = TARGETS[target].serializers.filter((s) => options.serializers.includes(s));
      // Idle sessions cost the same whatever they would speak; one serializer is enough.
      if (scenario === 'sessions') serializers = serializers.filter((s) => sizes.sessionSerializers.includes(s));
      // Realm stores are Interchange's own (the bare relay keeps nothing); one serializer shows their cost.
      if (scenario === 'durable-publish')
        serializers = TARGETS[target].launcher === 'interchange.mjs' ? serializers.slice(0, 1) : [];
      // The broker is Interchange's; the WAMP side speaks the serializers the sizes name.
      // A baseline from before the MQTT transport has none (run.mjs).
      if (scenario === 'mqtt')
        serializers =
          TARGETS[target].launcher === 'interchange.mjs' && !options.withoutMqtt?.includes(target)
            ? serializers.filter((s) => sizes.mqtt.serializers.includes(s))
            : [];
      for (const serializer of serializers) {
        const cell = (params) => cells.push({ scenario, target, serializer, params });
        switch (scenario) {
          case 'rpc-throughput':
            cell({ callers: sizes.callers, inflight: sizes.inflight });
            break;
          case 'rpc-latency':
            for (const rate of sizes.rates) cell({ callers: sizes.callers, rate });
            break;
          case 'fanout':
            for (const subscribers of sizes.fanout)
              cell({ subscribers, windows: sizes.windows, ...publicationsOf(sizes) });
            break;
          case 'topics':
            cell({ ...sizes.topics, windows: sizes.windows, ...publicationsOf(sizes) });
            break;
          case 'sessions':
            cell({ count: sizes.sessions });
            break;
          case 'durable-publish':
            // The baseline (an earlier commit's files) is compared on the memory store only.
            for (const store of target === 'interchange-baseline' ? ['memory'] : sizes.durable.stores)
              cell({ publishers: sizes.durable.publishers, inflight: sizes.durable.inflight, store });
            break;
          case 'mqtt':
            for (const params of mqttCells(sizes.mqtt, serializer === serializers[0])) cell(params);
            break;
          default:
            throw new Error(`unknown scenario ${scenario}`);
        }
      }
    }
  }
  return cells;
}

/**
 * The mqtt cells of one serializer. QoS is the MQTT side's, so WAMP to WAMP runs once per
 * mapping; MQTT to MQTT involves no WAMP serializer and runs with the first one only.
 */
function mqttCells(mqtt, firstSerializer) {
  const out = [];
  for (const mapping of mqtt.mappings)
    for (const route of mqtt.routes) {
      if (route === 'mqtt-mqtt' && !firstSerializer) continue;
      for (const qos of route === 'wamp-wamp' ? [0] : mqtt.qos) {
        // A smoke run picks a few combinations (`only`), each with every fan-out.
        if (
          mqtt.only !== undefined &&
          !mqtt.only.some((o) => o.route === route && o.qos === qos && o.mapping === mapping)
        )
          continue;
        for (const subscribers of mqtt.fanout)
          out.push({ route, qos, mapping, subscribers, window: mqtt.window, depth: mqtt.depth });
      }
    }
  return out;
}

/** The `publications` depth of the pub/sub scenarios, where the sizes set one. */
function publicationsOf(sizes) {
  return sizes.publications === undefined ? {} : { publications: sizes.publications };
}

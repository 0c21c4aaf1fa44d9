/**
 * The floor of a crossing for bench/cluster-crossing.mjs: a process that answers every NATS
 * request on `bench.echo` with its own bytes, so the bench can time a NATS request/reply between
 * two processes (two transits through nats-server and one process in between, as a call that
 * crosses nodes has) with nothing of Interchange on the way.
 */
import { connect } from '@nats-io/transport-node';
import { controlChannel, launcherArgs } from './control.mjs';

const args = launcherArgs();
const control = controlChannel();
try {
  const nc = await connect({ servers: args.nats });
  nc.subscribe('bench.echo', { callback: (_error, message) => message.respond(message.data) });
  await nc.flush();
  control.ready(0);
} catch (error) {
  control.fail(error);
}

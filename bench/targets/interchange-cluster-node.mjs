/**
 * Launches one Interchange cluster node from a bundle (bench/lib/build-interchange.mjs) for
 * bench/cluster-crossing.mjs: one open realm, one WebSocket transport on a free port, joined to
 * the nats-server at `--nats` as `--node`. Speaks the control channel of control.mjs (ready,
 * exit), so a node run with --cpu-prof writes its profile when told to exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlChannel, launcherArgs } from './control.mjs';

const args = launcherArgs();
const control = controlChannel();
const cbdir = mkdtempSync(join(tmpdir(), 'interchange-crossing-'));
process.on('exit', () => rmSync(cbdir, { recursive: true, force: true }));
try {
  const { InterchangeNode } = await import(args.bundle);
  const config = {
    version: 2,
    cluster: { type: 'nats', servers: [args.nats], node: args.node },
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: 'realm1',
            // A stalled machine can hold 1,000 calls of the paced caller in flight: no refusal for that.
            limits: { pending_calls_per_session: 1_000_000, pending_calls_per_callee: 1_000_000 },
            roles: [
              {
                name: 'anonymous',
                permissions: [
                  { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
                ],
              },
            ],
          },
        ],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }],
      },
    ],
  };
  const node = await InterchangeNode.start({ config, cbdir });
  process.on('SIGTERM', () => void node.stop().then(() => process.exit(0)));
  control.ready(node.addresses[0].port);
} catch (error) {
  control.fail(error);
}

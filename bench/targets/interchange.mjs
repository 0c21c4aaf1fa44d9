/**
 * Launches Interchange from a bundle run.mjs built (the working tree, or the baseline with the
 * transport files of an earlier commit): one realm open to anonymous sessions, one WebSocket
 * transport with every serializer, a silent logger.
 */
import { controlChannel, launcherArgs } from './control.mjs';

const args = launcherArgs();
const control = controlChannel();
try {
  const { InterchangeNode } = await import(args.bundle);
  const config = {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: args.realm,
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
        transports: [
          {
            type: 'websocket',
            endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
            serializers: ['json', 'msgpack', 'cbor'],
          },
        ],
      },
    ],
  };
  const node = await InterchangeNode.start({ config, cbdir: process.cwd() });
  control.ready(node.addresses[0].port);
} catch (error) {
  control.fail(error);
}

/** Launches wamp-server 0.0.9 (npm) as its README shows: one realm, a port. JSON only. */
import { createRequire } from 'node:module';
import { controlChannel, launcherArgs } from './control.mjs';

const args = launcherArgs();
const control = controlChannel();
try {
  const require = createRequire(`${args.peers}/package.json`);
  const WampServer = require('wamp-server');
  const server = new WampServer({ port: 0, realms: [args.realm] });
  server.wss.on('listening', () => control.ready(server.wss.address().port));
  server.wss.on('error', (error) => control.fail(error));
} catch (error) {
  control.fail(error);
}

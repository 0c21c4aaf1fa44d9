/** Launches fox-wamp 0.7.28 (npm) as its bin/basic.js does: `listenWAMP({ port })`. JSON only; realms are created on demand. */
import { createRequire } from 'node:module';
import { controlChannel, launcherArgs } from './control.mjs';

const args = launcherArgs();
const control = controlChannel();
try {
  const require = createRequire(`${args.peers}/package.json`);
  const FoxRouter = require('fox-wamp');
  const router = new FoxRouter();
  const server = router.listenWAMP({ port: 0 });
  server.on('listening', () => control.ready(server.address().port));
  server.on('error', (error) => control.fail(error));
} catch (error) {
  control.fail(error);
}

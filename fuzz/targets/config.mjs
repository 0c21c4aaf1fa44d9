/**
 * Fuzz target: the config loader and validator of packages/server/src/config (load-config.ts's
 * parseConfigText for JSON and YAML, then validate-config.ts's validateConfig), as
 * `interchange check` and `interchange start` read a config file.
 *
 * The first byte picks JSON or YAML; the rest is the file's text. Asserted: parsing returns a
 * value or throws a ConfigError; validation never throws, and returns a config or a non-empty
 * list of issues, each with a path and a message.
 */
import { ConfigError } from '../../packages/server/dist/config/config-issues.js';
import { parseConfigText } from '../../packages/server/dist/config/load-config.js';
import { validateConfig } from '../../packages/server/dist/config/validate-config.js';
import { check, expectOnly } from './invariants.mjs';

/** No environment: `${VAR}` placeholders are reported as unset, never read from this process. */
const ENV = {};

export async function fuzz(data) {
  const file = (data[0] ?? 0) & 1 ? 'config.yaml' : 'config.json';
  let raw;
  try {
    raw = parseConfigText(Buffer.from(data.subarray(1)).toString('utf8'), file);
  } catch (error) {
    expectOnly(error, ConfigError);
    return;
  }
  const result = await validateConfig(raw, { env: ENV });
  if (result.ok) {
    check(typeof result.config === 'object' && result.config !== null, 'a valid config is an object');
    return;
  }
  check(result.issues.length > 0, 'an invalid config has issues');
  for (const issue of result.issues) {
    check(typeof issue.path === 'string' && typeof issue.message === 'string', 'an issue has a path and a message');
  }
}

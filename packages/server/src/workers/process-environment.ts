/**
 * The environment of a process the node starts (guest programs, Python components), from a
 * worker's `options.env`: the node's variables as `inherit` says (all by default, some, or
 * none), plus `vars`.
 */

/** A worker's `options.env`. */
export interface ProcessEnvConfig {
  inherit?: boolean | string[] | undefined;
  vars?: Record<string, string> | undefined;
}

/** The environment `env` describes, taken from `parent`. */
export function processEnvironment(env: ProcessEnvConfig | undefined, parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherit = env?.inherit ?? true;
  const out: NodeJS.ProcessEnv = {};
  if (inherit === true) Object.assign(out, parent);
  else if (Array.isArray(inherit)) for (const name of inherit) if (parent[name] !== undefined) out[name] = parent[name];
  Object.assign(out, env?.vars ?? {});
  return out;
}

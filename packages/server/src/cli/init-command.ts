/**
 * `interchange init`: a runnable starting point, like `crossbar init` — a node directory with
 * `config.json`, and a `web/` folder beside it whose page loads the client bundle and connects.
 */
import { constants } from 'node:fs';
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REALM, defaultNodeConfig } from '../config/default-config.js';
import { DEFAULT_CBDIR } from '../config/load-config.js';

/**
 * The browser bundle's file name, in the client package's `dist/browser` and in `web/`: the core
 * build (WebSocket, JSON, the Autobahn-compatible `autobahn` global), which is all the starter page
 * uses; `interchange.min.js` beside it has every serializer, transport and auth method.
 */
export const CLIENT_BUNDLE_NAME = 'interchange-core.min.js';

/** The files `init` writes. */
export interface InitPlan {
  cbdir: string;
  configFile: string;
  webDir: string;
  indexFile: string;
  bundleFile: string;
}

/** Where `init` writes, for a cbdir relative to `cwd`. The web folder is `<cbdir>/../web`, as the config says. */
export function initPlan(cwd: string, cbdir: string = DEFAULT_CBDIR): InitPlan {
  const dir = resolve(cwd, cbdir);
  const webDir = resolve(dir, '..', 'web');
  return {
    cbdir: dir,
    configFile: join(dir, 'config.json'),
    webDir,
    indexFile: join(webDir, 'index.html'),
    bundleFile: join(webDir, CLIENT_BUNDLE_NAME),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The root directory of the installed `@interchange/client`, as Node's resolver finds it. */
async function clientPackageRoot(): Promise<string | undefined> {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('@interchange/client'));
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === '@interchange/client') return dir;
    } catch {
      // No package.json here; keep walking up.
    }
  }
  return undefined;
}

/**
 * The client's browser bundle in the installed `@interchange/client` package: located with
 * `import.meta.resolve`, else by walking up the `node_modules` directories from here.
 */
export async function findClientBundle(
  from: string = dirname(fileURLToPath(import.meta.url)),
): Promise<string | undefined> {
  const root = await clientPackageRoot();
  const resolved = root === undefined ? undefined : join(root, 'dist', 'browser', CLIENT_BUNDLE_NAME);
  if (resolved !== undefined && (await exists(resolved))) return resolved;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@interchange', 'client', 'dist', 'browser', CLIENT_BUNDLE_NAME);
    if (await exists(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The starter page: loads the bundle, connects with the Autobahn-compatible API, calls and publishes. */
export function starterPage(realm: string = DEFAULT_REALM): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Interchange</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; }
    #status { font-weight: bold; }
    li { font-family: ui-monospace, monospace; }
  </style>
</head>
<body>
  <h1>Interchange</h1>
  <p id="status">connecting...</p>
  <ul id="log"></ul>
  <script src="${CLIENT_BUNDLE_NAME}"></script>
  <script>
    var statusLine = document.getElementById('status');
    function log(text) {
      var item = document.createElement('li');
      item.textContent = text;
      document.getElementById('log').appendChild(item);
    }
    // The WebSocket path 'ws' of the web transport in .interchange/config.json.
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    var connection = new autobahn.Connection({ url: url, realm: ${JSON.stringify(realm)} });
    connection.onopen = function (session) {
      statusLine.textContent = 'connected to ' + url + ' (session ' + session.id + ')';
      session.register('com.example.add2', function (args) { return args[0] + args[1]; })
        .then(function () { return session.call('com.example.add2', [2, 3]); })
        .then(function (sum) { log('com.example.add2(2, 3) = ' + sum); })
        .catch(function (error) { log('call failed: ' + (error.error || error)); });
      session.subscribe('com.example.hello', function (args) { log('event: ' + args[0]); })
        .then(function () {
          return session.publish('com.example.hello', ['hello from session ' + session.id], {}, { acknowledge: true, exclude_me: false });
        })
        .catch(function (error) { log('publish failed: ' + (error.error || error)); });
    };
    connection.onclose = function (reason) {
      statusLine.textContent = 'connection closed: ' + reason;
    };
    connection.open();
  </script>
</body>
</html>
`;
}

/** The outcome of {@link runInit}. */
export type InitResult = { ok: true; plan: InitPlan } | { ok: false; error: string };

/**
 * Writes the node directory and web folder. Refuses, writing nothing, if any target exists.
 *
 * @param bundle - the client bundle to copy; found with {@link findClientBundle} when omitted.
 */
export async function runInit(options: {
  cwd: string;
  cbdir?: string | undefined;
  bundle?: string | undefined;
}): Promise<InitResult> {
  const plan = initPlan(options.cwd, options.cbdir);
  const targets = [plan.configFile, plan.indexFile, plan.bundleFile];
  const existing: string[] = [];
  for (const target of targets) if (await exists(target)) existing.push(target);
  if (existing.length > 0) {
    return { ok: false, error: `refusing to overwrite existing files:\n  ${existing.join('\n  ')}` };
  }
  const bundle = options.bundle ?? (await findClientBundle());
  if (bundle === undefined || !(await exists(bundle))) {
    return {
      ok: false,
      error: `the client browser bundle (${CLIENT_BUNDLE_NAME}) was not found in @interchange/client; build it with "npm run build"`,
    };
  }
  await mkdir(plan.cbdir, { recursive: true });
  await mkdir(plan.webDir, { recursive: true });
  // 'wx' fails if a file appeared since the check, so init never overwrites.
  await writeFile(plan.configFile, `${JSON.stringify(defaultNodeConfig(), null, 2)}\n`, { flag: 'wx' });
  await writeFile(plan.indexFile, starterPage(), { flag: 'wx' });
  await copyFile(bundle, plan.bundleFile, constants.COPYFILE_EXCL);
  return { ok: true, plan };
}

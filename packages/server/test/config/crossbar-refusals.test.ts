import { describe, expect, it } from 'vitest';
import { CROSSBAR_REFUSALS, refusalMessage } from '../../src/config/crossbar-refusals.js';
import { validateConfig } from '../../src/config/validate-config.js';

const endpoint = { type: 'tcp', port: 8080 };
const router = (extra: Record<string, unknown>) => ({ type: 'router', realms: [{ name: 'realm1' }], ...extra });
const node = (...workers: unknown[]) => ({ version: 2, workers });
const withController = (controller: unknown) => ({ version: 2, controller, workers: [router({})] });

/** A Crossbar config using each refused key, and where the refusal is reported. */
const CASES: [string, unknown, string][] = [
  ['controller fabric', withController({ fabric: { transport: null } }), 'controller.fabric'],
  ['controller enable_docker', withController({ enable_docker: true }), 'controller.enable_docker'],
  ['controller manhole', withController({ manhole: { endpoint, users: [] } }), 'controller.manhole'],
  ['controller connections', withController({ connections: [] }), 'controller.connections'],
  ['controller keyring', withController({ keyring: { type: 'file', path: 'key.priv' } }), 'controller.keyring'],
  ['controller blockchain', withController({ blockchain: { type: 'ethereum' } }), 'controller.blockchain'],
  [
    'controller enable_parallel_worker_start',
    withController({ options: { enable_parallel_worker_start: true } }),
    'controller.options.enable_parallel_worker_start',
  ],
  ['worker websocket-testee', node({ type: 'websocket-testee', transport: {} }), 'workers[0].type'],
  [
    'transport websocket.testee',
    node(router({ transports: [{ type: 'websocket.testee', endpoint }] })),
    'workers[0].transports[0].type',
  ],
  ['worker proxy', node({ type: 'proxy', routes: {} }), 'workers[0].type'],
  ['worker xbrmm', node({ type: 'xbrmm' }), 'workers[0].type'],
  ['worker hostmonitor', node({ type: 'hostmonitor' }), 'workers[0].type'],
  [
    'transport flashpolicy',
    node(router({ transports: [{ type: 'flashpolicy', endpoint: { type: 'tcp', port: 843 } }] })),
    'workers[0].transports[0].type',
  ],
  ['realm trace', node({ type: 'router', realms: [{ name: 'realm1', trace: true }] }), 'workers[0].realms[0].trace'],
  [
    'realm store cfxdb',
    node({ type: 'router', realms: [{ name: 'realm1', store: { type: 'cfxdb' } }] }),
    'workers[0].realms[0].store.type',
  ],
];

describe('Crossbar keys refused with the reason and the alternative', () => {
  it.each(CASES)('%s', async (_name, config, path) => {
    const result = await validateConfig(config);
    expect(result.ok).toBe(false);
    const issue = result.ok ? undefined : result.issues.find((i) => i.path === path);
    expect(issue?.kind).toBe('unsupported');
    expect(issue?.message).toMatch(/^.+ is a Crossbar key that Interchange does not implement: .+\. Instead: .+/);
  });

  it('every refusal of the table is exercised above, with its own message', async () => {
    const seen = new Set<string>();
    for (const [, config, path] of CASES) {
      const result = await validateConfig(config);
      const issue = result.ok ? undefined : result.issues.find((i) => i.path === path);
      if (issue !== undefined) seen.add(issue.message);
    }
    const untested = CROSSBAR_REFUSALS.filter((r) => !seen.has(refusalMessage(r))).map((r) => r.key);
    expect(untested).toEqual([]);
  });

  it('names the key in the message a user reads', async () => {
    const result = await validateConfig(withController({ fabric: { transport: null } }));
    expect(result.ok ? '' : result.issues[0]?.message).toBe(
      'controller "fabric" is a Crossbar key that Interchange does not implement: it connects the node to ' +
        'Crossbar\'s management service (Crossbar FX master / "CFC") for remote management. Instead: manage the ' +
        'node with its config file and the CLI ("interchange start", "stop", "status"); watch it through the ' +
        'nodeinfo path, the WAMP meta API and its logs',
    );
  });

  it('a template config is named as such, once per expression, and nothing else is reported', async () => {
    const template = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [{ name: '{{ realm }}' }],
          components: [
            // A template of the application's own in extra is data, not part of the config template.
            {
              type: 'class',
              classname: '{{ appname }}.js',
              realm: '{{ realm }}',
              extra: { greeting: 'Hi {{ name }}' },
            },
          ],
        },
      ],
    };
    const result = await validateConfig(template);
    expect(result.ok ? [] : result.issues.map((i) => [i.path, i.kind])).toEqual([
      ['workers[0].realms[0].name', 'unsupported'],
      ['workers[0].components[0].classname', 'unsupported'],
      ['workers[0].components[0].realm', 'unsupported'],
    ]);
    expect(result.ok ? '' : result.issues[1]?.message).toMatch(
      /^template expression "\{\{ appname \}\}": this file is a Crossbar config template .*replace each \{\{ \.\.\. \}\} with its value/,
    );
  });
});

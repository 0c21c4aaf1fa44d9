/**
 * The templates of `wap` paths: Jinja2 syntax on nunjucks, autoescaped, names confined to the
 * templates folder, and the sandbox refusing the ways from a value to code.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WapTemplates } from '../../src/web/wap-templates.js';
import { tempDir } from '../helpers.js';

async function folderWith(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  const dir = join(root, 'templates');
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(root, 'outside.html'), 'outside');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const render = (templates: WapTemplates, name: string, context: Record<string, unknown> = {}) =>
  templates.load(name).render(context);

describe('wap templates', () => {
  it('escape every value, keep safe ones, and speak the Jinja2 that Crossbar templates use', async () => {
    const dir = await folderWith({
      'page.html':
        '{{ v }}|{{ s | safe }}|{{ d | tojson }}|{{ n is none }}|{{ True }}|{{ items[1:] | join(",") }}|{% for k, x in d.items() %}{{ k }}{% endfor %}\n',
    });
    const templates = new WapTemplates({ directory: dir, sandbox: true });
    expect(
      render(templates, 'page.html', {
        v: `<a href="x">'&`,
        s: '<b>',
        d: { k: '</script>' },
        n: null,
        items: [1, 2, 3],
      }),
    ).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;|<b>|{"k":"\\u003c/script\\u003e"}|true|true|2,3|k');
  });

  it('find templates only inside the folder', async () => {
    const dir = await folderWith({ 'sub/inner.html': 'inner', 'ok.html': '{% include "sub/inner.html" %}' });
    await symlink(join(dir, '..', 'outside.html'), join(dir, 'link.html'));
    const templates = new WapTemplates({ directory: dir, sandbox: true });
    expect(render(templates, 'ok.html')).toBe('inner');
    for (const name of ['../outside.html', 'sub/../../outside.html', join(dir, '..', 'outside.html'), 'link.html'])
      expect(() => templates.load(name), name).toThrow(/template not found/);
  });

  it('in the sandbox, refuse every way from a value to Function', async () => {
    const escapes = {
      'attribute.html': '{{ s.constructor.constructor("return process.pid")() }}',
      'proto.html': '{{ d.__proto__ }}',
      'name.html':
        '{{ constructor.getOwnPropertyDescriptor(constructor.getPrototypeOf(range), "constructor").value("return process.pid")() }}',
      'global.html': '{{ range.constructor("return process.pid")() }}',
      'include.html': '{% include "attribute.html" %}',
      'dictget.html': '{{ d.get("__proto__").update({"polluted": 1}) }}',
      'dictctor.html': '{{ d.setdefault("constructor").getPrototypeOf(range) }}',
    };
    const dir = await folderWith(escapes);
    const templates = new WapTemplates({ directory: dir, sandbox: true });
    for (const name of Object.keys(escapes)) {
      let output: string | undefined;
      let failure: unknown;
      try {
        output = render(templates, name, { s: 'x', d: {} });
      } catch (error) {
        failure = error;
      }
      expect(output ?? '', name).not.toContain(String(process.pid));
      expect(({} as { polluted?: number }).polluted, name).toBeUndefined();
      if (name !== 'name.html') expect(String(failure), name).toMatch(/is unsafe \(sandbox\)/);
    }
  });

  it('in the sandbox, do not see the names every object inherits', async () => {
    const dir = await folderWith({
      'inherited.html': '[{{ constructor }}{{ toString }}{{ valueOf }}{{ __proto__ }}]',
      'pollute.html': '{{ __proto__.update({"polluted": 1}) }}',
    });
    const templates = new WapTemplates({ directory: dir, sandbox: true });
    expect(render(templates, 'inherited.html')).toBe('[]');
    expect(render(templates, 'inherited.html', { toString: 'given' })).toBe('[given]');
    expect(render(templates, 'pollute.html')).toBe('');
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it('without the sandbox, a template is code: it can reach the process', async () => {
    const dir = await folderWith({ 'pid.html': '{{ s.constructor.constructor("return process.pid")() }}' });
    const templates = new WapTemplates({ directory: dir, sandbox: false });
    expect(render(templates, 'pid.html', { s: 'x' })).toBe(String(process.pid));
  });

  it('report a template that does not compile when it is loaded', async () => {
    const dir = await folderWith({ 'bad.html': '{% with a = 1 %}{{ a }}{% endwith %}' });
    const templates = new WapTemplates({ directory: dir, sandbox: true });
    expect(() => templates.load('bad.html')).toThrow(/bad\.html.*unknown block tag: with/);
  });
});

/**
 * The URL rules of `wap` routes (Werkzeug's syntax, as Crossbar takes them): what each converter
 * matches and gives, which rule wins, and the rules refused.
 */
import { describe, expect, it } from 'vitest';
import { WapRule, WapRuleError } from '../../src/web/wap-route-rule.js';

describe('wap route rules', () => {
  const cases: [rule: string, path: string, expected: Record<string, unknown> | undefined][] = [
    ['/greeting/<name>', '/greeting/Homer', { name: 'Homer' }],
    ['/greeting/<name>', '/greeting/', undefined],
    ['/greeting/<name>', '/greeting/a/b', undefined],
    ['/greeting/<name>', '/greeting/Homer/', undefined],
    [
      '/product/<int:product_id>/<report>/<int:year>/<int:month>',
      '/product/123/total/2016/12',
      { product_id: 123, report: 'total', year: 2016, month: 12 },
    ],
    ['/n/<int:n>', '/n/-3', undefined],
    ['/n/<int(signed=True):n>', '/n/-3', { n: -3 }],
    ['/n/<int(min=1, max=12):n>', '/n/13', undefined],
    ['/n/<int(min=1, max=12):n>', '/n/12', { n: 12 }],
    ['/y/<int(fixed_digits=4):y>', '/y/123', undefined],
    ['/y/<int(fixed_digits=4):y>', '/y/0123', { y: 123 }],
    ['/f/<float:x>', '/f/1.5', { x: 1.5 }],
    ['/f/<float:x>', '/f/1', undefined],
    ['/s/<string(length=2):c>', '/s/de', { c: 'de' }],
    ['/s/<string(length=2):c>', '/s/deu', undefined],
    ['/s/<string(maxlength=3):c>', '/s/deu', { c: 'deu' }],
    ['/files/<path:p>', '/files/a/b/c.txt', { p: 'a/b/c.txt' }],
    ['/l/<any(en, de, "fr"):lang>', '/l/fr', { lang: 'fr' }],
    ['/l/<any(en, de):lang>', '/l/it', undefined],
    ['/u/<uuid:id>', '/u/0b8e4a3c-1f2d-4e5f-8a9b-0c1d2e3f4a5b', { id: '0b8e4a3c-1f2d-4e5f-8a9b-0c1d2e3f4a5b' }],
    ['/', '/', {}],
    ['/a.b', '/aXb', undefined],
  ];
  it.each(cases)('%s on %s', (rule, path, expected) => {
    expect(new WapRule(rule).match(path)).toEqual(expected);
  });

  it.each([
    ['greeting', 'starts with "/"'],
    ['/x/<wat:y>', 'unknown converter "wat"'],
    ['/x/<a>/<a>', 'variable "a" appears twice'],
    ['/x/<int(nope=1):a>', 'converter "int" has no argument "nope"'],
    ['/x/<1a>', 'malformed variable'],
    ['/x/<int(min="a"):n>', 'must be a number'],
  ])('refuses %s', (rule, message) => {
    expect(() => new WapRule(rule)).toThrow(WapRuleError);
    expect(() => new WapRule(rule)).toThrow(message);
  });

  it('prefers static rules, then literal parts, then lighter converters, as Werkzeug', () => {
    const rules = ['/item/<path:rest>', '/item/<name>', '/item/<int:id>', '/item/new'].map((r) => new WapRule(r));
    const order = [...rules].sort(WapRule.compare).map((r) => r.source);
    expect(order).toEqual(['/item/new', '/item/<int:id>', '/item/<name>', '/item/<path:rest>']);
  });
});

/**
 * The URL rules of `wap` routes, in the syntax Crossbar takes them (Werkzeug's routing rules):
 * static text with `<variable>` or `<converter(arguments):variable>` parts, e.g.
 * `/product/<int:product_id>/<report>`. A rule compiles to a regular expression over the decoded
 * URL path below the service's mount point; each variable becomes a keyword argument of the call,
 * converted as its converter says (`int` and `float` give numbers).
 *
 * Converters and their arguments: `string` (the default; `minlength`, `maxlength`, `length`),
 * `path` (may hold `/`), `int` (`fixed_digits`, `min`, `max`, `signed`), `float` (`min`, `max`,
 * `signed`), `uuid`, `any(a, b, ...)`.
 */

/** A rule that cannot be compiled (bad syntax, unknown converter, bad argument). */
export class WapRuleError extends Error {
  override readonly name = 'WapRuleError';
}

/** A part of a rule: literal text, or a variable with its converter. */
type RulePart = { kind: 'static'; text: string } | { kind: 'variable'; name: string; converter: Converter };

/** How a variable's text is matched and turned into its value; `undefined`: no match. */
interface Converter {
  regex: string;
  /** Werkzeug's weight: among rules of the same shape, the lighter is tried first. */
  weight: number;
  convert(text: string): unknown;
}

/** A converter argument, as Werkzeug parses them (Python literals, or a bare word as a string). */
type ArgValue = string | number | boolean | null;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Parses `1, min=2, signed=True, "x"` into positional and keyword arguments. */
function parseArguments(text: string): { positional: ArgValue[]; named: Map<string, ArgValue> } {
  const positional: ArgValue[] = [];
  const named = new Map<string, ArgValue>();
  const item = /\s*(?:([A-Za-z_]\w*)\s*=\s*)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^,"'\s][^,]*?)\s*(?:,|$)/y;
  let at = 0;
  while (at < text.length) {
    item.lastIndex = at;
    const match = item.exec(text);
    if (match === null || match[0] === '') throw new WapRuleError(`cannot read converter arguments "${text}"`);
    at = item.lastIndex;
    const raw = match[2] as string;
    let parsed: ArgValue;
    if (/^["']/.test(raw)) parsed = raw.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (raw === 'True' || raw === 'False') parsed = raw === 'True';
    else if (raw === 'None') parsed = null;
    else if (/^-?\d+$/.test(raw)) parsed = Number.parseInt(raw, 10);
    else if (/^-?\d+\.\d*$/.test(raw)) parsed = Number.parseFloat(raw);
    else parsed = raw;
    if (match[1] === undefined) positional.push(parsed);
    else named.set(match[1], parsed);
  }
  return { positional, named };
}

/** Reads the arguments of converter `name` by their Python parameter names. */
function bindArguments(name: string, text: string | undefined, params: readonly string[]): Map<string, ArgValue> {
  const bound = new Map<string, ArgValue>();
  if (text === undefined) return bound;
  const { positional, named } = parseArguments(text);
  if (positional.length > params.length) throw new WapRuleError(`too many arguments for converter "${name}"`);
  for (const [i, value] of positional.entries()) bound.set(params[i] as string, value);
  for (const [key, value] of named) {
    if (!params.includes(key)) throw new WapRuleError(`converter "${name}" has no argument "${key}"`);
    bound.set(key, value);
  }
  return bound;
}

function optionalInteger(args: Map<string, ArgValue>, key: string, converter: string): number | undefined {
  const v = args.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new WapRuleError(`argument "${key}" of converter "${converter}" must be a whole number`);
  return v;
}

function optionalNumber(args: Map<string, ArgValue>, key: string, converter: string): number | undefined {
  const v = args.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new WapRuleError(`argument "${key}" of converter "${converter}" must be a number`);
  return v;
}

/** Werkzeug's converters, by name. */
function makeConverter(name: string, argText: string | undefined): Converter {
  switch (name) {
    case 'default':
    case 'string': {
      const args = bindArguments(name, argText, ['minlength', 'maxlength', 'length']);
      const length = optionalInteger(args, 'length', name);
      const min = optionalInteger(args, 'minlength', name) ?? 1;
      const max = optionalInteger(args, 'maxlength', name);
      const count = length !== undefined ? `{${length}}` : `{${min},${max ?? ''}}`;
      return { regex: `[^/]${count}`, weight: 100, convert: (text) => text };
    }
    case 'path':
      bindArguments(name, argText, []);
      return { regex: '[^/].*?', weight: 200, convert: (text) => text };
    case 'any': {
      const { positional, named } = parseArguments(argText ?? '');
      if (named.size > 0 || positional.length === 0)
        throw new WapRuleError('converter "any" takes the allowed values, e.g. any(about, help)');
      const items = positional.map((item) => escapeRegex(String(item)));
      return { regex: `(?:${items.join('|')})`, weight: 100, convert: (text) => text };
    }
    case 'uuid':
      bindArguments(name, argText, []);
      return {
        regex: '[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}',
        weight: 50,
        convert: (text) => text,
      };
    case 'int':
    case 'float': {
      const isInt = name === 'int';
      const args = bindArguments(
        name,
        argText,
        isInt ? ['fixed_digits', 'min', 'max', 'signed'] : ['min', 'max', 'signed'],
      );
      const digits = isInt ? (optionalInteger(args, 'fixed_digits', name) ?? 0) : 0;
      const min = optionalNumber(args, 'min', name);
      const max = optionalNumber(args, 'max', name);
      const signed = args.get('signed') === true;
      const body = isInt ? '\\d+' : '\\d+\\.\\d+';
      return {
        regex: `${signed ? '-?' : ''}${body}`,
        weight: 50,
        convert: (text) => {
          if (digits > 0 && text.replace('-', '').length !== digits) return undefined;
          const value = isInt ? Number.parseInt(text, 10) : Number.parseFloat(text);
          if (isInt && !Number.isSafeInteger(value)) return undefined;
          if ((min !== undefined && value < min) || (max !== undefined && value > max)) return undefined;
          return value;
        },
      };
    }
    default:
      throw new WapRuleError(
        `unknown converter "${name}" (known: string, path, int, float, uuid, any, as in Werkzeug's URL rules)`,
      );
  }
}

const PART = /<(?:([A-Za-z_]\w*)(?:\((.*?)\))?:)?([A-Za-z_]\w*)>/g;

/** A compiled rule. */
export class WapRule {
  readonly source: string;
  readonly #parts: RulePart[];
  readonly #regex: RegExp;
  readonly #variables: { name: string; converter: Converter }[];

  /** @throws WapRuleError when `source` is not a rule. */
  constructor(source: string) {
    if (!source.startsWith('/')) throw new WapRuleError('a route path starts with "/"');
    this.source = source;
    const parts: RulePart[] = [];
    let at = 0;
    for (const match of source.matchAll(PART)) {
      if (match.index > at) parts.push({ kind: 'static', text: source.slice(at, match.index) });
      const name = match[3] as string;
      if (parts.some((p) => p.kind === 'variable' && p.name === name))
        throw new WapRuleError(`variable "${name}" appears twice`);
      parts.push({ kind: 'variable', name, converter: makeConverter(match[1] ?? 'default', match[2]) });
      at = match.index + match[0].length;
    }
    if (at < source.length) parts.push({ kind: 'static', text: source.slice(at) });
    for (const part of parts)
      if (part.kind === 'static' && /[<>]/.test(part.text))
        throw new WapRuleError(`malformed variable in "${part.text}" (expected <name> or <converter:name>)`);
    this.#parts = parts;
    this.#variables = parts.flatMap((p) => (p.kind === 'variable' ? [p] : []));
    const body = parts.map((p) => (p.kind === 'static' ? escapeRegex(p.text) : `(${p.converter.regex})`)).join('');
    this.#regex = new RegExp(`^${body}$`, 's');
  }

  /** Whether the rule ends in `/` (Werkzeug redirects the path without it to the path with it). */
  get endsWithSlash(): boolean {
    return this.source.endsWith('/') && this.source.length > 1;
  }

  /** The variables of a decoded path, converted; undefined when the path does not match. */
  match(path: string): Record<string, unknown> | undefined {
    const found = this.#regex.exec(path);
    if (found === null) return undefined;
    const values: Record<string, unknown> = {};
    for (const [i, variable] of this.#variables.entries()) {
      const value = variable.converter.convert(found[i + 1] as string);
      if (value === undefined) return undefined;
      values[variable.name] = value;
    }
    return values;
  }

  /**
   * Werkzeug's preference among rules that match the same path: rules without variables first,
   * then, part by part, literal text before variables and lighter converters before heavier ones.
   */
  static compare(a: WapRule, b: WapRule): number {
    const aStatic = a.#variables.length === 0;
    const bStatic = b.#variables.length === 0;
    if (aStatic !== bStatic) return aStatic ? -1 : 1;
    const weights = (rule: WapRule) =>
      rule.#parts.flatMap((p) => (p.kind === 'static' ? p.text.split('/').map(() => 0) : [p.converter.weight]));
    const wa = weights(a);
    const wb = weights(b);
    for (let i = 0; i < Math.min(wa.length, wb.length); i++) {
      const d = (wa[i] as number) - (wb[i] as number);
      if (d !== 0) return d;
    }
    return wb.length - wa.length;
  }
}

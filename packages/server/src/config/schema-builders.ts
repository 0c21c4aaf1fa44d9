/**
 * Building blocks of the node config schema. They wrap zod so that every problem carries a
 * message a user can act on ("expected an integer 0..65535, got \"abc\""), and so that keys and
 * `type` values Interchange does not implement are reported instead of silently dropped.
 *
 * New transports, path types and auth methods slot in by adding an entry to the variant map
 * given to {@link tagged} and a key to a {@link section} shape; nothing else has to change.
 */
import { z } from 'zod';

/** A schema taking any input and producing `T`. */
export type Schema<T> = z.ZodType<T, z.ZodTypeDef, unknown>;

/**
 * How an issue is classified: a wrong value, something Interchange does not implement, or a
 * warning (the node starts, and behaves as Crossbar does in that case, e.g. a missing static
 * directory answers 404).
 */
export type IssueKind = 'invalid' | 'unsupported' | 'warning';

/** True for `{...}` objects (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renders a value for an error message: JSON, shortened; `undefined` reads as "nothing". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : shorten(safeJson(value));
  if (isPlainObject(value)) return 'an object';
  return shorten(safeJson(value));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The message of a value that failed a check; a missing required value reads as such. */
export function expectedMessage(expected: string, got: unknown): string {
  return got === undefined ? `required: expected ${expected}` : `expected ${expected}, got ${describeValue(got)}`;
}

/**
 * A leaf value checked by `test`; a failure reads `expected <expected>, got <value>`.
 *
 * @example
 * const port = value<number>('an integer 0..65535', (v) => Number.isInteger(v) && v >= 0 && v <= 65535);
 */
export function value<T>(expected: string, test: (v: unknown) => boolean): Schema<T> {
  return z.unknown().transform((v, ctx) => {
    if (!test(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: expectedMessage(expected, v), params: { kind: 'invalid' } });
      return z.NEVER;
    }
    return v as T;
  });
}

/** Any string (possibly empty). */
export const anyString = (): Schema<string> => value<string>('a string', (v) => typeof v === 'string');

/** A string with at least one character. */
export const nonEmptyString = (): Schema<string> =>
  value<string>('a non-empty string', (v) => typeof v === 'string' && v.length > 0);

/** `true` or `false`. */
export const boolean = (): Schema<boolean> => value<boolean>('true or false', (v) => typeof v === 'boolean');

/** An integer in `min..max`. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): Schema<number> {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
  return value<number>(
    `an integer ${range}`,
    (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
  );
}

/**
 * One of a fixed set of strings or numbers. Values listed in `unsupported` (Crossbar has them,
 * Interchange does not yet) are reported as unsupported `what`, not as invalid.
 */
export function oneOf<const T extends string | number>(
  options: readonly T[],
  extra: {
    unsupported?: readonly string[];
    what?: string;
    /** Why an unsupported value is refused and what to use instead, by value (else a generic note). */
    refusals?: Readonly<Record<string, string>>;
  } = {},
): Schema<T> {
  const expected =
    options.length === 1 ? JSON.stringify(options[0]) : `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
  return z.unknown().transform((v, ctx) => {
    if ((options as readonly unknown[]).includes(v)) return v as T;
    const unsupported = typeof v === 'string' && (extra.unsupported ?? []).includes(v);
    const refusal = typeof v === 'string' ? extra.refusals?.[v] : undefined;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: unsupported
        ? `unsupported ${extra.what ?? 'value'} ${JSON.stringify(v)} (${refusal ?? 'not implemented by Interchange yet'}; supported: ${options.join(', ')})`
        : expectedMessage(expected, v),
      params: { kind: unsupported ? 'unsupported' : 'invalid' },
    });
    return z.NEVER;
  });
}

/** A list whose items all pass `item`; `nonEmpty` rejects `[]`. */
export function list<T>(item: Schema<T>, options: { nonEmpty?: boolean } = {}): Schema<T[]> {
  const array = z.array(item);
  if (!options.nonEmpty) return array;
  return array.superRefine((items, ctx) => {
    if (items.length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a non-empty list, got an empty list' });
    }
  });
}

/** Names the keys of an object, for "supported here: ..." hints. */
function keyList(keys: readonly string[]): string {
  return keys.length === 0 ? 'none' : keys.join(', ');
}

/**
 * An object with a fixed set of keys. A key outside `shape` is reported as unsupported, with the
 * keys that are supported at that place, rather than silently dropped: a Crossbar config that
 * relies on an option Interchange lacks must not start as if it were honoured.
 */
export function section<S extends z.ZodRawShape>(shape: S) {
  const known = new Set(Object.keys(shape));
  const supported = keyList(Object.keys(shape));
  return z.preprocess((input, ctx) => {
    if (isPlainObject(input)) {
      for (const key of Object.keys(input)) {
        if (known.has(key)) continue;
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: `unsupported key (not implemented by Interchange; supported here: ${supported})`,
          params: { kind: 'unsupported' },
        });
      }
    }
    return input;
  }, z.object(shape));
}

/** The schemas of each supported `type` of a tagged section, e.g. `{ static: ..., websocket: ... }`. */
export type Variants = Record<string, Schema<unknown>>;

/** The union of what the variants of a tagged section produce. */
export type VariantOutput<V extends Variants> = { [K in keyof V]: z.output<V[K]> }[keyof V];

/**
 * An object told apart by its `type` key. A `type` that Crossbar defines but Interchange does not
 * implement (listed in `crossbarTypes`) is reported as unsupported; any other unknown `type` as
 * invalid. Adding a variant is how a new kind of worker, transport, path or endpoint slots in.
 *
 * @param what - what the object is, for messages: `"path type"`, `"transport type"`.
 */
export function tagged<V extends Variants>(
  what: string,
  variants: V,
  crossbarTypes: readonly string[] = [],
): Schema<VariantOutput<V>> {
  const names = Object.keys(variants);
  const supported = names.map((n) => JSON.stringify(n)).join(', ');
  return z.unknown().transform((input, ctx) => {
    if (!isPlainObject(input)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: expectedMessage('an object', input),
        params: { kind: 'invalid' },
      });
      return z.NEVER;
    }
    const type = input.type;
    const schema = typeof type === 'string' && Object.hasOwn(variants, type) ? variants[type] : undefined;
    if (schema === undefined) {
      const unsupported = typeof type === 'string' && crossbarTypes.includes(type);
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['type'],
        message: unsupported
          ? `unsupported ${what} ${JSON.stringify(type)} (not implemented by Interchange yet; supported: ${supported})`
          : expectedMessage(names.length === 1 ? supported : `one of ${supported}`, type),
        params: { kind: unsupported ? 'unsupported' : 'invalid' },
      });
      return z.NEVER;
    }
    const result = schema.safeParse(input);
    if (!result.success) {
      // Re-raise with paths relative to this object; zod prefixes the current path.
      for (const issue of result.error.issues) ctx.addIssue(issue);
      return z.NEVER;
    }
    return result.data as VariantOutput<V>;
  });
}

/** A map with string keys checked by `keyTest`, e.g. the `paths` of a web transport. */
export function keyedBy<T>(
  keyExpected: string,
  keyTest: (key: string) => boolean,
  item: Schema<T>,
): Schema<Record<string, T>> {
  return z.preprocess(
    (input, ctx) => {
      if (isPlainObject(input)) {
        for (const key of Object.keys(input)) {
          if (!keyTest(key)) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [key],
              message: `invalid key: expected ${keyExpected}, got ${JSON.stringify(key)}`,
              params: { kind: 'invalid' },
            });
          }
        }
      }
      return input;
    },
    z.record(z.string(), item),
  );
}

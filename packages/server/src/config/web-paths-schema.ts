/**
 * The `paths` map of a web transport: one service per URL path segment, `/` for the root. A
 * `path` service (Crossbar's nested paths) holds a `paths` map of its own, at any depth, so the
 * map is defined here recursively over every path type of {@link webPathVariants}.
 */
import { z } from 'zod';
import { CROSSBAR_ONLY_PATH_TYPES, webPathVariants } from './path-schema.js';
import { REFUSED_PATH_TYPES } from './path-services-schema.js';
import { isPlainObject, keyedBy, oneOf, type Schema, section, tagged, type VariantOutput } from './schema-builders.js';

/** A path key: `/` for the root, otherwise one URL path segment. */
const PATH_KEY = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/** Whether `key` can name a path of a web transport. */
export function isPathKey(key: string): boolean {
  return key === '/' || (PATH_KEY.test(key) && key !== '.' && key !== '..');
}

/** How a wrong path key is described. */
export const PATH_KEY_EXPECTED = 'a single path segment such as "ws", or "/"';

/** Nested paths (Crossbar's `path`): the services of `paths` sit below this path's URL. */
export interface NestedPathConfig {
  type: 'path';
  paths: Record<string, WebPathConfig>;
}

/** A path service of a web transport. */
export type WebPathConfig = VariantOutput<typeof webPathVariants> | NestedPathConfig;

/** A map with at least one entry. */
function nonEmptyMap(paths: unknown, ctx: z.RefinementCtx): void {
  if (isPlainObject(paths) && Object.keys(paths).length === 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected at least one path' });
  }
}

const nestedPathSchema: Schema<NestedPathConfig> = section({
  type: oneOf(['path']),
  paths: z.lazy(() => webPathsSchema),
}) as Schema<NestedPathConfig>;

const anyPath = tagged('path type', { ...webPathVariants, path: nestedPathSchema }, CROSSBAR_ONLY_PATH_TYPES);

/** Keys of Crossbar's static service that name a Python package. */
const PYTHON_STATIC_KEYS = ['package', 'resource'];

/** One path service; a Python-only Crossbar type (or static key) is refused with its alternative. */
const pathSchema: Schema<WebPathConfig> = z.unknown().transform((input, ctx) => {
  const type = isPlainObject(input) ? input.type : undefined;
  if (typeof type === 'string' && Object.hasOwn(REFUSED_PATH_TYPES, type)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['type'],
      message: `unsupported path type ${JSON.stringify(type)}: ${REFUSED_PATH_TYPES[type]}`,
      params: { kind: 'unsupported' },
    });
    return z.NEVER;
  }
  let checked = input;
  if (type === 'static' && isPlainObject(input)) {
    // Crossbar's static files from a Python package: refused with what to write instead.
    const python = PYTHON_STATIC_KEYS.filter((key) => Object.hasOwn(input, key));
    for (const key of python) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [key],
        message: `unsupported key: static files of a Python package ("package" + "resource"); point "directory" at the folder of the files instead`,
        params: { kind: 'unsupported' },
      });
    }
    if (python.length > 0) checked = Object.fromEntries(Object.entries(input).filter(([key]) => !python.includes(key)));
  }
  const result = anyPath.safeParse(checked);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue(issue);
    return z.NEVER;
  }
  return checked === input ? result.data : z.NEVER;
});

/** The services of a web transport (or of a nested path), by path segment. */
export const webPathsSchema: Schema<Record<string, WebPathConfig>> = keyedBy(
  PATH_KEY_EXPECTED,
  isPathKey,
  pathSchema,
).superRefine(nonEmptyMap);

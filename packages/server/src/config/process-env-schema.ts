/**
 * `options.env` of a worker (Crossbar's process environment): of a guest's program, and of the
 * Python processes of a router or container worker's Python components.
 */
import { z } from 'zod';
import { isPlainObject, section, value } from './schema-builders.js';

/** `options.env`: which variables of the node a process inherits, and which it gets set. */
export const processEnvSchema = section({
  /** true: the node's whole environment; a list: only these variables; false: none (default true). */
  inherit: value<boolean | string[]>(
    'true, false or a list of variable names',
    (v) => typeof v === 'boolean' || (Array.isArray(v) && v.every((name) => typeof name === 'string')),
  ).optional(),
  /** Variables set for the process. */
  vars: z
    .unknown()
    .transform((v, ctx) => {
      if (isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'expected an object of string values',
        params: { kind: 'invalid' },
      });
      return z.NEVER;
    })
    .optional(),
});

/**
 * The schema of a `wap` path (Crossbar's WAMP Application Pages): each route maps an HTTP GET or
 * POST on a URL rule to a WAMP call, whose result renders a Jinja2-syntax template into the page
 * (web/wap-service.ts).
 */
import { z } from 'zod';
import { WapRule, WapRuleError } from '../web/wap-route-rule.js';
import { boolean, integer, isPlainObject, list, nonEmptyString, oneOf, section } from './schema-builders.js';

/** A URL rule in Werkzeug's syntax, below the path's mount point (`/greeting/<name>`). */
const routeRule = () =>
  z.unknown().transform((v, ctx) => {
    if (typeof v !== 'string' || v === '') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected a URL rule such as "/greeting/<name>", got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    try {
      new WapRule(v);
    } catch (error) {
      if (!(error instanceof WapRuleError)) throw error;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid URL rule ${JSON.stringify(v)}: ${error.message}` });
      return z.NEVER;
    }
    return v;
  });

/** One route: an HTTP request on `path` with `method` calls `call` and renders `render`. */
export const wapRouteSchema = section({
  /** The URL rule, relative to the path's mount point. */
  path: routeRule(),
  /** `GET` or `POST`, as in Crossbar (required there too). */
  method: oneOf(['GET', 'POST']),
  /** The procedure called; `null` or absent renders the template with no data. */
  call: nonEmptyString().nullable().optional(),
  /** The template file, relative to `templates`. */
  render: nonEmptyString(),
});

/** `templates`: a folder relative to the config file's directory; Crossbar's Python package form is refused. */
const templatesSchema = z.unknown().transform((v, ctx) => {
  if (typeof v === 'string' && v !== '') return v;
  if (isPlainObject(v) && ('package' in v || 'resource' in v)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        'unsupported: templates of a Python package ("package" + "resource"); point "templates" at the folder of the templates instead, relative to the config file',
      params: { kind: 'unsupported' },
    });
    return z.NEVER;
  }
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: `expected the templates folder, relative to the config file, got ${JSON.stringify(v)}`,
  });
  return z.NEVER;
});

/** WAMP Application Pages (Crossbar's `wap`). */
export const wapPathSchema = section({
  type: oneOf(['wap']),
  /** The folder of the templates, relative to the config file's directory. */
  templates: templatesSchema,
  /** Renders with Jinja2's sandbox restrictions (default true, as Crossbar). */
  sandbox: boolean().optional(),
  /** The routes; a request that matches none gets 404. */
  routes: list(wapRouteSchema),
  /** The session the calls are made with. */
  wamp: section({
    /** The realm of the procedures. */
    realm: nonEmptyString(),
    /** The role of the session, whose permissions apply to the calls (default `anonymous`, as Crossbar's code). */
    authrole: nonEmptyString().optional(),
  }),
  /** Interchange addition. */
  options: section({
    /** Largest POST body passed on to the procedure, in bytes; a larger one gets 413 (default 1 MiB). */
    post_body_limit: integer(1, 16 * 1024 * 1024).optional(),
  }).optional(),
});

/** A wap path. */
export type WapPathConfig = z.output<typeof wapPathSchema>;

/** Default largest POST body (bytes). */
export const DEFAULT_WAP_BODY_LIMIT = 1024 * 1024;

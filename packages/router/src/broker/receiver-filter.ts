import type { Dict, Id } from '@interchange/protocol';

/** The identity a receiver filter looks at. */
export interface FilterSubject {
  readonly id: Id;
  readonly authid: string;
  readonly authrole: string;
}

/** Decides whether one subscriber receives an event. */
export type ReceiverFilter = (subscriber: FilterSubject) => boolean;

/** The result of reading a PUBLISH's black- and whitelisting options. */
export type ReceiverFilterResult = { ok: true; filter: ReceiverFilter | undefined } | { ok: false; message: string };

const LISTS = [
  ['eligible', 'number'],
  ['eligible_authid', 'string'],
  ['eligible_authrole', 'string'],
  ['exclude', 'number'],
  ['exclude_authid', 'string'],
  ['exclude_authrole', 'string'],
] as const;

const LIST_KEYS: ReadonlySet<string> = new Set(LISTS.map(([key]) => key));

/**
 * Whether `options` has any of the list options. It walks the few keys a PUBLISH has, rather
 * than probing every publication's options for six keys it almost never has.
 */
function hasListOption(options: Dict): boolean {
  for (const key in options) if (LIST_KEYS.has(key)) return true;
  return false;
}

/** The result for a publication without black- or whitelisting: shared, so the common case allocates nothing. */
const NO_FILTER: ReceiverFilterResult = Object.freeze({ ok: true, filter: undefined });

/**
 * Compiles `PUBLISH.Options.{eligible,exclude}{,_authid,_authrole}` into one filter (advanced
 * profile "Subscriber Black- and Whitelisting"). A subscriber receives the event if and only if
 * it is in every whitelist present and in no blacklist present. With none of the options,
 * `filter` is `undefined`, so the common publication pays nothing.
 */
export function compileReceiverFilter(options: Dict): ReceiverFilterResult {
  if (!hasListOption(options)) return NO_FILTER;
  const sets: Partial<Record<(typeof LISTS)[number][0], ReadonlySet<unknown>>> = {};
  let any = false;
  for (const [key, elementType] of LISTS) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Array.isArray(value) || !value.every((element) => typeof element === elementType)) {
      return { ok: false, message: `PUBLISH.Options.${key} must be a list of ${elementType}s` };
    }
    sets[key] = new Set<unknown>(value);
    any = true;
  }
  if (!any) return NO_FILTER;
  const { eligible, eligible_authid, eligible_authrole, exclude, exclude_authid, exclude_authrole } = sets;
  return {
    ok: true,
    filter: (s) =>
      (eligible === undefined || eligible.has(s.id)) &&
      (eligible_authid === undefined || eligible_authid.has(s.authid)) &&
      (eligible_authrole === undefined || eligible_authrole.has(s.authrole)) &&
      (exclude === undefined || !exclude.has(s.id)) &&
      (exclude_authid === undefined || !exclude_authid.has(s.authid)) &&
      (exclude_authrole === undefined || !exclude_authrole.has(s.authrole)),
  };
}

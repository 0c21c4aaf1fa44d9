import type { Dict } from '@interchange/protocol';
import type { PassthruOptions } from './passthru.js';

/**
 * What a call resolves to: the positional and keyword results and the RESULT details
 * (spec: basic "RESULT"). Absent `args`/`kwargs` on the wire read as `[]` and `{}`.
 */
export interface CallResult {
  args: unknown[];
  kwargs: Record<string, unknown>;
  details: Dict;
  /**
   * The passthru attributes when the result is in payload passthru mode
   * (spec: advanced "Payload Passthru Mode"); the payload is then `args[0]`, as sent.
   */
  passthru?: PassthruOptions;
}

/**
 * An explicit positional-plus-keyword result. Return one from a procedure handler to answer with
 * several positional results or with keyword results; any other return value `v` is sent as
 * `args: [v]`. The Autobahn-compatible surface resolves calls to a `Result` when the answer is
 * not a single positional value, like `autobahn.Result`.
 *
 * With `passthru`, the result is sent in payload passthru mode (spec: advanced "Payload
 * Passthru Mode"): `args` must then be one `Uint8Array`, the opaque payload.
 *
 * @example
 * await session.register('com.example.divmod', ({ args: [a, b] }) =>
 *   new Result([Math.floor(a / b), a % b], { exact: a % b === 0 }));
 */
export class Result {
  /** Positional results. */
  args: unknown[];
  /** Keyword results. */
  kwargs: Record<string, unknown>;
  /** Payload passthru attributes; `undefined` for an ordinary result. */
  passthru: PassthruOptions | undefined;

  constructor(args: unknown[] = [], kwargs: Record<string, unknown> = {}, passthru?: PassthruOptions) {
    this.args = args;
    this.kwargs = kwargs;
    this.passthru = passthru;
  }
}

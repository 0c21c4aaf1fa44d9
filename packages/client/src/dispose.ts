/**
 * `Symbol.asyncDispose` where the runtime has it (Node 20, recent browsers), otherwise the
 * registered symbol that TypeScript's downlevel `await using` helpers and common polyfills agree
 * on. Using this constant as a method key keeps older browsers from getting a method literally
 * named `"undefined"`, without patching the global `Symbol` from a library.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);

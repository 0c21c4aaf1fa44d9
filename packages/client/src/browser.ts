/**
 * Entry of the ESM browser build (`dist/browser/interchange.esm.js`): the typed API, plus the
 * Autobahn-compatible namespace as `autobahn`.
 */

export { autobahn } from './autobahn.js';
export * from './index.js';

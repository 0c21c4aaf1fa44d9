/**
 * Entry of the ESM browser build (`dist/browser/interchange.esm.js`): the typed API, plus the
 * Autobahn-compatible namespace as `autobahn`.
 */
export * from './index.js';
export { autobahn } from './autobahn.js';

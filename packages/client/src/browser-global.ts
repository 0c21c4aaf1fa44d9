/**
 * Entry of the IIFE browser build (`dist/browser/interchange.min.js`): exposes the typed API as
 * `globalThis.interchange` and the Autobahn-compatible namespace as `globalThis.autobahn`, so a
 * page written for Autobahn|JS (`new autobahn.Connection({ url, realm })`) runs unchanged.
 */
import { autobahn } from './autobahn.js';
import * as api from './browser.js';

const scope = globalThis as { interchange?: unknown; autobahn?: unknown };
scope.interchange = api;
scope.autobahn = autobahn;

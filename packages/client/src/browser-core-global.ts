/**
 * Entry of the core IIFE browser build (`dist/browser/interchange-core.min.js`): exposes the core
 * typed API (core.ts: WebSocket, JSON, anonymous and ticket auth) as `globalThis.interchange` and
 * the core Autobahn-compatible namespace as `globalThis.autobahn`, for `<script>` pages that need
 * no more, like the votes demo. `interchange.min.js` is the same with everything loaded.
 */
import * as api from './core.js';

const scope = globalThis as { interchange?: unknown; autobahn?: unknown };
scope.interchange = api;
scope.autobahn = api.autobahn;

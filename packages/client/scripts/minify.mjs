// The second minification pass of the browser bundles: esbuild bundles and minifies, then terser
// compresses and renames again. Measured on the core entry point (issue 16, gzip level 9):
// esbuild alone 20,231 B; + terser 19,615 B. Terser's renamer picks names by frequency, which
// suits gzip better, and its two compress passes join what esbuild leaves apart. Terser on
// esbuild's unminified output does worse (20,007 B), so both minifiers run.
//
// Only options that keep the bundle's behaviour: no `unsafe*`, no `pure_getters` (Session.meta is
// a getter that throws when its entry is not loaded), no `booleans_as_integers` (booleans go on
// the wire). Properties are never renamed: the typed API, the `autobahn` namespace and the
// message objects a custom transport sees are all public.

import { minify } from 'terser';

/**
 * Minifies one esbuild output file again. `format` is the bundle's (`esm` keeps its exports,
 * and lets terser rename top-level names). `map` is esbuild's source map (JSON text), which the
 * result's map continues, so it still points at the TypeScript sources; `mapUrl` is the
 * `sourceMappingURL` the result then ends with.
 */
export async function minifyBundle(code, { format, map, mapUrl } = {}) {
  const result = await minify(typeof code === 'string' ? code : Buffer.from(code).toString('utf8'), {
    module: format === 'esm',
    ecma: 2020,
    compress: { ecma: 2020, passes: 2 },
    mangle: true,
    format: { ecma: 2020, comments: /^!|@license|@preserve/ },
    ...(map === undefined ? {} : { sourceMap: { content: map, url: mapUrl, includeSources: true } }),
  });
  if (result.code === undefined) throw new Error('terser returned no code');
  return { code: result.code, map: typeof result.map === 'string' ? result.map : undefined };
}

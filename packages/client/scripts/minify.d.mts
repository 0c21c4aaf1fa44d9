// Types of minify.mjs for the tests, which tsconfig.test.json type-checks.

/** Minifies one esbuild output file again with terser; `map` (esbuild's source map) is continued. */
export declare function minifyBundle(
  code: string | Uint8Array,
  options?: { format?: 'esm' | 'iife'; map?: string; mapUrl?: string },
): Promise<{ code: string; map: string | undefined }>;

// Types of size-report.mjs for test/bundle-size.test.ts, which tsconfig.test.json type-checks.

/** Sizes in bytes of one piece of JavaScript: raw, gzipped (level 9) and brotli (quality 11). */
export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

/** The budgets test/bundle-size.test.ts enforces, in bytes gzipped (level 9). */
export declare const SIZE_BUDGETS: { core: number; votesPage: number };

export declare function sizesOf(code: string | Uint8Array): Sizes;

export declare function bundleSource(
  contents: string,
  format?: 'esm' | 'iife',
  options?: { withMap?: boolean },
): Promise<{ code: Uint8Array; inputs: string[]; bytesPerInput: Record<string, number>; map?: string }>;

/**
 * Per source file of a bundle, from its final source map: the minified characters that come from
 * it, and the bytes the bundle's gzip size loses without them (marginal cost).
 */
export declare function moduleBreakdown(
  contents: string,
): Promise<Array<{ module: string; minified: number; gzip: number }>>;

/** Sizes of a bundle that re-exports everything of the given package entry points, and its input files. */
export declare function measureEntry(...specifiers: string[]): Promise<Sizes & { inputs: string[] }>;

/** Sizes of the votes page's JavaScript, summed over the scripts it loads. */
export declare function measureVotesPage(): Promise<Sizes & { scripts: string[] }>;

import { defineConfig } from 'vitest/config';

// Tests import the packages by name; the `source` export condition makes vitest read
// their TypeScript sources directly, so a test never runs against a stale build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  // Workspace packages are imported by name; without these, vitest's server-side resolver
  // ignores the `source` condition and loads their (possibly stale) dist/ builds.
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One temporary folder for the whole run, removed at its end (see test/temp-root.ts).
    globalSetup: ['test/temp-root.ts'],
  },
});

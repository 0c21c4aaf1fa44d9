#!/usr/bin/env node
// The `interchange` command. A committed file, so npm links the bin on a fresh install even
// before the TypeScript build has produced dist/ (the root `prepare` script builds it).
// The V8 flags first (an import is evaluated before this module's body), then the CLI.
import './v8-flags.js';

await import('../dist/cli.js');

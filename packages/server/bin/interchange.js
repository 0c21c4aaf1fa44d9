#!/usr/bin/env node
// The `interchange` command. A committed file, so npm links the bin on a fresh install even
// before the TypeScript build has produced dist/ (the root `prepare` script builds it).
import '../dist/cli.js';

#!/usr/bin/env node
/**
 * The `interchange` executable. All behaviour lives in `runCli`; this only connects it to the
 * process.
 */
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));
// Everything is closed by now and the process ends on its own; should a stray handle keep it
// alive, do not hang the terminal or a service manager over it.
setTimeout(() => process.exit(), 3000).unref();

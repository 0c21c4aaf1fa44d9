// V8 flags the node runs with, set before the CLI's modules load (bin/interchange.js imports this
// file first; a router worker runs the same bin). Allocation-site pretenuring is turned off: with
// thousands of sessions V8 starts allocating the objects of a publication's fan-out straight into
// the old generation, where they cost full collections instead of scavenges (docs/profiling.md,
// "Allocation-site pretenuring"; measured with bench/pretenuring.mjs). `INTERCHANGE_PRETENURING=on`
// keeps V8's default. `setFlagsFromString` takes effect here because nothing of the node has been
// allocated or compiled yet.
import { setFlagsFromString } from 'node:v8';

if (process.env.INTERCHANGE_PRETENURING !== 'on') setFlagsFromString('--no-allocation-site-pretenuring');

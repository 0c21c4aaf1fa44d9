/**
 * Loading a component's module. JavaScript modules (`.js`, `.mjs`, `.cjs`) are imported as they
 * are. Node 20 cannot import TypeScript, so a `.ts`, `.mts` or `.tsx` module is bundled first
 * with esbuild — an optional dependency: without it, the node says to install it or compile the
 * component to JavaScript. Bare imports (`@interchange/client`, npm packages) stay imports and
 * resolve from the module's own directory, as they would for a JS module.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@interchange/protocol';

/** The part of esbuild's API used here (esbuild is optional, so it is not imported statically). */
interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ errors: { text: string }[] }>;
}

const TYPESCRIPT = /\.(m|c)?tsx?$/i;

/** Whether a module path names TypeScript. */
export function isTypeScriptModule(file: string): boolean {
  return TYPESCRIPT.test(file);
}

async function loadEsbuild(file: string): Promise<EsbuildLike> {
  // A variable specifier keeps TypeScript and bundlers from requiring esbuild at build time.
  const specifier = 'esbuild';
  try {
    return (await import(specifier)) as EsbuildLike;
  } catch (cause) {
    throw new InvalidArgumentError(
      `component module ${file} is TypeScript; loading it needs esbuild (npm install esbuild), or compile it to JavaScript and name the .js file`,
      { cause },
    );
  }
}

/**
 * Imports a module file and returns its namespace.
 * @throws InvalidArgumentError when it cannot be loaded (missing, syntax error, TS without esbuild).
 */
export async function importModuleFile(file: string): Promise<Record<string, unknown>> {
  try {
    if (!isTypeScriptModule(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const esbuild = await loadEsbuild(file);
    // Written beside the source so its bare imports resolve from the same node_modules, then
    // removed once imported: the module stays loaded.
    const out = join(dirname(file), `.${basename(file)}.${randomUUID()}.mjs`);
    try {
      await esbuild.build({
        entryPoints: [file],
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: out,
        sourcemap: 'inline',
        logLevel: 'silent',
      });
      return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
    } finally {
      await rm(out, { force: true });
    }
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(`component module ${file} could not be loaded: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

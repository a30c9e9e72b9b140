/**
 * Bundle a bench entry the way serverless-esbuild bundles a handler (the options of the services'
 * `custom.esbuild`), so a stage can be measured as the Lambda runs it: one file under plain node.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';

/** Bundle `entry` into `outfile` (default: a fresh temporary folder); returns the output file. */
export function bundleLikeLambda(entry: string, outfile?: string, alsoExternal: readonly string[] = []): string {
  outfile ??= join(mkdtempSync(join(tmpdir(), 'catia-bench-bundle-')), 'index.js');
  mkdirSync(dirname(outfile), { recursive: true });
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    format: 'cjs',
    // DuckDB is native (the services leave it out too); esbuild itself is only the bench's.
    external: ['@duckdb/node-api', 'esbuild', ...alsoExternal],
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Bundle a bench entry the way serverless-esbuild bundles a handler (the options of the services'
 * `custom.esbuild`), so a stage can be measured as the Lambda runs it: one file under plain node.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** Bundle `entry` into a fresh temporary folder; returns the output file. */
export function bundleLikeLambda(entry: string): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'catia-bench-bundle-')), 'index.js');
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    format: 'cjs',
    external: ['@duckdb/node-api'],
    logLevel: 'error',
  });
  return outfile;
}

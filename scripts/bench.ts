/**
 * `npm run bench`: every stage measured the same way every time, each in a fresh process.
 *
 *   npm run bench -- [--items 10k,100k,1m] [--quick] [--stages normalize-core,…]
 *
 * Prints one row per stage and size (items/s, MB/s, wall time, peak RSS, bound) and writes the
 * same figures to bench/results.json. Bounds are measured in the same run on the same data.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleLikeLambda } from './bench/lambda-bundle';
import type { Measurement } from './bench/measure';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const ALL_STAGES = [
  'normalize-core',
  'parquet',
  'parquet-330k',
  'transform-core',
  'archival-core',
  'consolidated-core',
  'normalize-e2e',
  'transform-e2e',
  'consolidated-e2e',
];

function parseArgs(argv: string[]) {
  let sizes = ['10k', '100k'];
  let stages = ALL_STAGES;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--items') sizes = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--stages') stages = (argv[++i] ?? '').split(',').filter(Boolean);
    else {
      process.stderr.write(
        `unknown option ${a}\nusage: npm run bench -- [--items 10k,100k,1m] [--quick] [--stages a,b]\n`,
      );
      process.exit(2);
    }
  }
  if (quick) sizes = ['10k'];
  return { sizes, stages };
}

/** Sizes that make sense per stage: the end-to-end tokens run is measured at 100k conversations at most. */
function sizeFor(stage: string, size: string): string {
  if ((stage === 'consolidated-e2e' || stage === 'consolidated-core' || stage === 'archival-core') && /m$/i.test(size))
    return '100k';
  return size;
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const { sizes, stages } = parseArgs(process.argv.slice(2));
  const results: Measurement[] = [];
  const started = new Date().toISOString();
  process.stdout.write(
    `CatIA bench — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n\n`,
  );
  process.stdout.write(
    `${'stage'.padEnd(52)} ${'size'.padStart(5)} ${'items/s'.padStart(11)} ${'MB/s'.padStart(7)} ${'wall s'.padStart(7)} ${'RSS MB'.padStart(7)}  bound / notes\n`,
  );
  // Every stage runs as Lambda runs code: bundled by esbuild into one file, under plain node
  // (from the sources under tsx, each module's exports go through getters: 10–15 % slower).
  // parquetjs-lite (a comparison writer only) relies on sloppy-mode globals that bundling breaks.
  const worker = bundleLikeLambda(join(ROOT, 'scripts/bench/worker.ts'), join(ROOT, '.esbuild/bench/worker.js'), [
    'parquetjs-lite',
  ]);
  const seen = new Set<string>();
  for (const size of sizes) {
    for (const stage of stages) {
      const s = sizeFor(stage, size);
      if (seen.has(`${stage}:${s}`)) continue;
      seen.add(`${stage}:${s}`);
      try {
        const { stdout } = await run(
          process.execPath,
          [
            '--expose-gc',
            // Core stages hold their whole input in memory (by design: input in memory → output bytes);
            // a larger heap keeps the collector from dominating what is measured.
            ...(stage.endsWith('-core') || stage.startsWith('parquet') ? ['--max-old-space-size=8192'] : []),
            worker,
            stage,
            s,
          ],
          {
            cwd: ROOT,
            maxBuffer: 64 * 1024 * 1024,
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'warn' },
          },
        );
        const lines = stdout.trim().split('\n');
        const ms = JSON.parse(lines[lines.length - 1] as string) as Measurement[];
        for (const m of ms) {
          results.push(m);
          const notes = Object.entries(m.extra)
            .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, Number.isInteger(v) ? 0 : 2) : v}`)
            .join(' ');
          process.stdout.write(
            `${m.stage.padEnd(52)} ${m.size.padStart(5)} ${fmt(m.itemsPerSec).padStart(11)} ${(m.bytes ? fmt(m.mbPerSec, 1) : '–').padStart(7)} ${fmt(m.ms / 1000, 2).padStart(7)} ${(m.peakRssMb ? fmt(m.peakRssMb) : '–').padStart(7)}  ${notes}\n`,
          );
        }
      } catch (err) {
        process.stdout.write(
          `${stage.padEnd(52)} ${s.padStart(5)}  FAILED: ${((err as { stderr?: string }).stderr ?? String(err)).split('\n').slice(0, 3).join(' ')}\n`,
        );
      }
    }
  }
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ started, machine: { cores: cpus().length, model: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30, node: process.version }, results }, null, 2)}\n`,
  );
  process.stdout.write('\nfigures written to bench/results.json\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exit(1);
});

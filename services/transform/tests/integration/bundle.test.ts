/**
 * The token workers inside the Lambda bundle: esbuild puts every module in the handler's one file,
 * so a worker thread re-runs that file. Built here as `sls package` builds it (serverless.yml's
 * esbuild settings) and run in a plain node process, where nothing is TypeScript.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTokenCounter, MemoryObjectStore, PriceTable } from '@catia/shared';
import { build } from 'esbuild';
import { loadTransformConfig } from '../../src/transform/config';
import { runTransform } from '../../src/transform/pipeline';

const KEY = 'reports/etl-process1/data_20251231.csv';
const HEADER =
  'usuario_id,nombre,email,gerencia,ciudad,fecha_primera_conversacion,fecha_ultima_conversacion,numero_conversaciones,numero_mensajes,lista_preguntas,feedback_likes,feedback_dislikes,feedback_ultima_respuesta,comentarios_feedback,conversacion_completa\r\n';
const CSV =
  HEADER +
  Array.from(
    { length: 300 },
    (_, i) =>
      `u${i},N,,,Bogotá,2025-08-10,2025-08-10,1,2,"[]",0,0,,[],"[[{""rol"":""user"",""texto"":""¿certificado catastral ${i}?"",""fecha"":""2025-08-10T15:00:00Z""},{""rol"":""bot"",""texto"":""${'respuesta larga '.repeat(i % 40)}"",""fecha"":""2025-08-10T15:00:04Z""}]]"\r\n`,
  ).join('') +
  'x,N,,,Bogotá,ayer,,1,1,[],0,0,,[],[]\r\n';

/** Runs in the child: the pipeline with one token worker started from the bundle file itself. */
const CHILD = `
const b = require(process.argv[1]);
(async () => {
  const store = new b.MemoryObjectStore('b');
  await store.write(${JSON.stringify(KEY)}, require('node:fs').readFileSync(process.argv[2]));
  const workers = await b.TokenWorkers.start('o200k_base', 1);
  const config = b.loadTransformConfig({ REPORTS_BUCKET: 'b', TRANSFORM_TOKENIZER: 'o200k_base' });
  const s = await b.runTransform({ store, config, key: ${JSON.stringify(KEY)}, prices: b.PriceTable.load(),
    countTokens: await b.createTokenCounter('o200k_base'), workers, rowGroupSize: 50 });
  await workers.close();
  const parquet = require('node:crypto').createHash('sha256').update(store.objects.get(config.OUTPUT_KEY).bytes).digest('hex');
  process.stdout.write(JSON.stringify({ tokens: s.tokens, costUsd: s.costUsd, written: s.written, rejected: s.rejected, parquet, workers: workers.size }));
})().catch((err) => { process.stderr.write(String(err && err.stack)); process.exit(1); });
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('runs the token workers from the one-file Lambda bundle, with the same output as one thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'transform-bundle-'));
  dirs.push(dir);
  const outfile = join(dir, 'transform.js');
  const csvFile = join(dir, 'data.csv');
  writeFileSync(csvFile, CSV);
  await build({
    entryPoints: [join(__dirname, 'bundle-entry.ts')],
    bundle: true,
    minify: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@duckdb/node-api'],
    outfile,
    logLevel: 'silent',
  });
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-e', CHILD, outfile, csvFile],
    // The handler module is in the bundle too and reads its settings when loaded.
    { cwd: dir, env: { ...process.env, REPORTS_BUCKET: 'bundle-test', LOG_LEVEL: 'error' } },
  );
  const fromBundle = JSON.parse(stdout) as Record<string, unknown>;

  const store = new MemoryObjectStore('b');
  await store.write(KEY, CSV);
  const config = loadTransformConfig({ REPORTS_BUCKET: 'b', TRANSFORM_TOKENIZER: 'o200k_base' });
  const s = await runTransform({
    store,
    config,
    key: KEY,
    prices: PriceTable.load(),
    countTokens: await createTokenCounter('o200k_base'),
    rowGroupSize: 50,
  });
  expect(fromBundle).toEqual({
    tokens: s.tokens,
    costUsd: s.costUsd,
    written: 300,
    rejected: 1,
    parquet: createHash('sha256')
      .update(store.objects.get(config.OUTPUT_KEY)?.bytes as Buffer)
      .digest('hex'),
    workers: 1,
  });
}, 120_000);

/**
 * One bench measurement in a fresh process (so its peak RSS is its own):
 *   node .esbuild/bench/worker.js <stage> <size>   (this file bundled by `npm run bench`, as Lambda runs code)
 *   tsx scripts/bench/worker.ts <stage> <size>     (from the sources)
 * Prints one JSON line (a Measurement, or several) on stdout. Paths are taken two folders up from
 * this file, which holds for the sources and for the bundle.
 */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isMainThread } from 'node:worker_threads';
import {
  charsPer4,
  createS3Client,
  createTokenCounter,
  MemoryObjectStore,
  MemorySource,
  PriceTable,
  readCsv,
  S3ObjectStore,
  type TokenCounter,
  type TokenMethod,
} from '@catia/shared';
import { clearMergeCache as clearO200kMergeCache } from 'gpt-tokenizer/encoding/o200k_base';
import { loadNormalizeConfig } from '../../services/normalize/src/normalize/config';
import { runNormalize } from '../../services/normalize/src/normalize/pipeline';
import { runArchival, runConsolidated } from '../../services/tokens/src/tokens/pipeline';
import { loadTransformConfig } from '../../services/transform/src/transform/config';
import { PARQUET_COLUMNS, runTransform } from '../../services/transform/src/transform/pipeline';
import { typeRow } from '../../services/transform/src/transform/rows';
import { defaultWorkerCount, TokenWorkers } from '../../services/transform/src/transform/workers';
import { startEmulatorProcess } from '../lib/emulator-process';
import { loadItemsIntoTable } from '../lib/import-export';
import { jsonParseThroughput, tokenizerThroughput } from './bounds';
import { bedrockRecords, catiaItems, parseSize } from './data';
import { bundleLikeLambda } from './lambda-bundle';
import { type Measurement, measure } from './measure';
import {
  type BenchRow,
  cycled,
  prepareDuckDbCopy,
  writeWithHyparquet,
  writeWithOwnWriter,
  writeWithParquetjsLite,
} from './parquet-writers';
import { StreamedStore } from './streamed-store';

const [stage = '', sizeText = '10k'] = process.argv.slice(2);
const size = parseSize(sizeText);
const RUN_DATE = '2025-12-31';
/** consolidated's Lambda has 512 MB: the heap that size allows (≈90 %). */
const CONSOLIDATED_HEAP_MB = 460;
const out: Measurement[] = [];

/** A counter that also records the texts it saw, to time the tokenizer alone on exactly them. */
function recording(count: TokenCounter): { count: TokenCounter; texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    count: (t) => {
      texts.push(t);
      return count(t);
    },
  };
}

async function normalizeCsv(items: Record<string, unknown>[]) {
  const store = new MemoryObjectStore('bench');
  const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'bench' });
  const s = await runNormalize({ source: new MemorySource(items), store, config, runDate: RUN_DATE });
  return { store, key: s.outputKey, bytes: s.outputBytes, users: s.users };
}

/** Rows in transform's Parquet file for 330,000 users (the 1M-item run). */
const PRODUCTION_ROWS = 330_000;

/**
 * transform's rows for the sample's normalize CSV: typed as transform types them, with token and
 * cost columns. `ownRows` carries the conversations column as the project's writer gets it from
 * transform, as UTF-8 bytes read from the CSV (the other writers take the string).
 */
async function parquetRows(): Promise<{ benchRows: BenchRow[]; ownRows: BenchRow[] }> {
  const { store, key } = await normalizeCsv(catiaItems(size));
  const rows: Record<string, unknown>[] = [];
  const body = await store.read(key);
  for await (const r of readCsv(body as Readable)) {
    const { typed } = typeRow(r);
    rows.push({
      ...typed,
      tokens_pregunta: 10,
      tokens_respuesta: 20,
      tokens_total: 30,
      costo_estimado_usd: 0.0001,
      metodo_tokens: 'o200k_base',
      modelo_precio: 'm',
    });
  }
  const benchRows = rows as unknown as BenchRow[];
  const ownRows = benchRows.map((r) => ({
    ...r,
    conversacion_completa: Buffer.from(r.conversacion_completa as string, 'utf-8'),
  }));
  return { benchRows, ownRows };
}

/** Run a loader stage in a child process with this process's env (emulator endpoints, table names). */
function loadInSubprocess(loader: string): { loaded: number; loadMs: number } {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, loader, sizeText], {
    env: process.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = out.toString().trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string);
}

const csvFileFor = (sizeLabel: string) => join(tmpdir(), `catia-bench-${sizeLabel}.csv`);

async function main(): Promise<void> {
  switch (stage) {
    case 'normalize-core': {
      const items = catiaItems(size);
      const bytes = items.reduce((n, it) => n + JSON.stringify(it).length, 0);
      const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'bench' });
      await runNormalize({
        source: new MemorySource(items.slice(0, 2000)),
        store: new StreamedStore(),
        config,
        runDate: RUN_DATE,
      });
      out.push(
        await measure('normalize core', sizeText, async () => {
          // The CSV streamed out as to S3, not kept in memory (see StreamedStore).
          const store = new StreamedStore();
          const s = await runNormalize({ source: new MemorySource(items), store, config, runDate: RUN_DATE });
          if (store.sizes.get(s.outputKey) !== s.outputBytes) throw new Error('the store did not get the whole CSV');
          return {
            items: s.scanned,
            bytes,
            extra: { users: s.users, csvMB: +(s.outputBytes / 1e6).toFixed(1), bound: '≥ 100,000 items/s' },
          };
        }),
      );
      const lines = items.map((it) => JSON.stringify(it));
      const j = jsonParseThroughput(lines);
      out.push({
        stage: 'bound: JSON.parse (same items)',
        size: sizeText,
        items: j.items,
        bytes: j.bytes,
        ms: j.ms,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        itemsPerSec: j.items / (j.ms / 1000),
        mbPerSec: j.mbPerSec,
        extra: {},
      });
      break;
    }
    case 'normalize-e2e': {
      const table = 'bench-catia';
      const emu = await startEmulatorProcess({ tables: [table], buckets: ['bench'] });
      Object.assign(process.env, emu.env, { CATIA_TABLE_NAME: table, REPORTS_BUCKET: 'bench', SCAN_SEGMENTS: '4' });
      const { loaded, loadMs } = loadInSubprocess('load-catia');
      const { handler } = await import('../../services/normalize/src/handlers/normalize');
      out.push(
        await measure('normalize end to end (DynamoDB scan → S3)', sizeText, async () => {
          const s = await handler({ runDate: RUN_DATE });
          return {
            items: s.scanned,
            bytes: 0,
            extra: { users: s.users, loaded, loadSeconds: +(loadMs / 1000).toFixed(1), bound: 'peak RSS < 1.5 GB' },
          };
        }),
      );
      await emu.stop();
      break;
    }
    case 'parquet': {
      const { benchRows, ownRows } = await parquetRows();
      await writeWithOwnWriter(PARQUET_COLUMNS, ownRows.slice(0, 100));
      out.push(
        await measure('parquet: own writer, SNAPPY (chosen)', sizeText, async () => ({
          items: benchRows.length,
          bytes: 0,
          extra: { fileMB: +((await writeWithOwnWriter(PARQUET_COLUMNS, ownRows)) / 1e6).toFixed(1) },
        })),
      );
      await writeWithOwnWriter(PARQUET_COLUMNS, ownRows.slice(0, 100), 'UNCOMPRESSED');
      out.push(
        await measure('parquet: own writer, UNCOMPRESSED', sizeText, async () => ({
          items: benchRows.length,
          bytes: 0,
          extra: {
            fileMB: +((await writeWithOwnWriter(PARQUET_COLUMNS, ownRows, 'UNCOMPRESSED')) / 1e6).toFixed(1),
          },
        })),
      );
      await writeWithHyparquet(PARQUET_COLUMNS, benchRows.slice(0, 100));
      out.push(
        await measure('parquet: hyparquet-writer (former choice)', sizeText, async () => ({
          items: benchRows.length,
          bytes: 0,
          extra: { fileMB: +((await writeWithHyparquet(PARQUET_COLUMNS, benchRows)) / 1e6).toFixed(1) },
        })),
      );
      out.push(
        await measure('parquet: parquetjs-lite (original design)', sizeText, async () => ({
          items: benchRows.length,
          bytes: 0,
          extra: { fileMB: +((await writeWithParquetjsLite(PARQUET_COLUMNS, benchRows)) / 1e6).toFixed(1) },
        })),
      );
      const duck = await prepareDuckDbCopy(PARQUET_COLUMNS, benchRows);
      out.push(
        await measure('parquet: DuckDB COPY (reference)', sizeText, async () => ({
          items: benchRows.length,
          bytes: 0,
          extra: { fileMB: +((await duck.copy()) / 1e6).toFixed(1) },
        })),
      );
      duck.close();
      break;
    }
    case 'parquet-330k': {
      // The figure's measure: a file the size of the production one (the 330k users of the
      // 1M-item run), written in one cold pass in a fresh process, as transform writes it: the
      // sample's rows over and over (at --items 1m, the 330k rows of the 1M items once).
      const { ownRows } = await parquetRows();
      await writeWithOwnWriter(PARQUET_COLUMNS, ownRows.slice(0, 100));
      out.push(
        await measure('parquet: own writer, SNAPPY, 330k rows in one file', sizeText, async () => ({
          items: PRODUCTION_ROWS,
          bytes: 0,
          extra: {
            fileMB: +((await writeWithOwnWriter(PARQUET_COLUMNS, cycled(ownRows, PRODUCTION_ROWS))) / 1e6).toFixed(1),
            bound: '≥ 150,000 rows/s',
          },
        })),
      );
      break;
    }
    case 'transform-core': {
      const { store, key, bytes } = await normalizeCsv(catiaItems(size));
      const run = (method: TokenMethod, countTokens: TokenCounter, workers?: TokenWorkers) => async () => {
        const config = loadTransformConfig({ REPORTS_BUCKET: 'bench', TRANSFORM_TOKENIZER: method });
        const s = await runTransform({ store, config, key, prices: PriceTable.load(), countTokens, workers });
        return { items: s.scanned, bytes, extra: { tokens: s.tokens.total } };
      };
      out.push(
        await measure('transform core (chars/4, 1 thread)', sizeText, run('chars/4', recording(charsPer4).count)),
      );
      // One thread; the counter records every text it is given, for the bound.
      const rec = recording(await createTokenCounter('o200k_base'));
      const one = await measure('transform core (o200k_base, 1 thread)', sizeText, run('o200k_base', rec.count));
      const b = await tokenizerThroughput('o200k_base', rec.texts);
      const c = await tokenizerThroughput('cl100k_base', rec.texts);
      one.extra.textMB = +(b.bytes / 1e6).toFixed(1);
      one.extra.tokenizerOnlyMs = Math.round(b.ms);
      one.extra.ratioToTokenizer = +(b.ms / one.ms).toFixed(2);
      one.extra.bound = '≥ 0.80 of tokenizer';
      out.push(one);
      // As the Lambda runs it: this thread plus token workers (started before, as at cold start).
      // The bound stays single-threaded. Both stage runs start with a cold BPE merge cache.
      const workers = await TokenWorkers.start('o200k_base', Math.max(1, defaultWorkerCount()));
      clearO200kMergeCache();
      const threads = 1 + workers.size;
      const many = await measure(
        `transform core (o200k_base, ${threads} threads)`,
        sizeText,
        run('o200k_base', await createTokenCounter('o200k_base'), workers),
      );
      await workers.close();
      // The bound again, right after: this VM's speed drifts within minutes, so the stage is
      // compared with the mean of the tokenizer timed just before and just after it.
      const after = await tokenizerThroughput('o200k_base', rec.texts);
      if (many.extra.tokens !== b.tokens || one.extra.tokens !== b.tokens || after.tokens !== b.tokens) {
        throw new Error(
          `token totals differ: 1 thread ${one.extra.tokens}, ${threads} threads ${many.extra.tokens}, bound ${b.tokens}`,
        );
      }
      const boundMs = (b.ms + after.ms) / 2;
      many.extra.tokenizerOnlyMs = Math.round(boundMs);
      many.extra.tokenizerBeforeAfterMs = `${Math.round(b.ms)}/${Math.round(after.ms)}`;
      many.extra.ratioToTokenizer = +(boundMs / many.ms).toFixed(2);
      many.extra.threads = `main + ${workers.size} token worker${workers.size > 1 ? 's' : ''}`;
      many.extra.bound = `≥ 0.80 of tokenizer (stage: ${threads} threads; tokenizer: 1)`;
      out.push(many);
      out.push({
        stage: 'bound: o200k countTokens (same texts, 1 thread)',
        size: sizeText,
        items: rec.texts.length,
        bytes: b.bytes,
        ms: b.ms,
        peakRssMb: 0,
        itemsPerSec: rec.texts.length / (b.ms / 1000),
        mbPerSec: b.mbPerSec,
        extra: { tokens: b.tokens },
      });
      out.push({
        stage: 'bound: cl100k countTokens (same texts, 1 thread)',
        size: sizeText,
        items: rec.texts.length,
        bytes: c.bytes,
        ms: c.ms,
        peakRssMb: 0,
        itemsPerSec: rec.texts.length / (c.ms / 1000),
        mbPerSec: c.mbPerSec,
        extra: { tokens: c.tokens },
      });
      break;
    }
    case 'csv-file': {
      // Prepares the transform input in its own process, so its memory is not the transform's.
      const { store, key } = await normalizeCsv(catiaItems(size));
      const { writeFileSync } = await import('node:fs');
      writeFileSync(csvFileFor(sizeText), store.objects.get(key)?.bytes as Buffer);
      break;
    }
    case 'transform-e2e': {
      const { execFileSync } = await import('node:child_process');
      const { createReadStream, statSync } = await import('node:fs');
      execFileSync(process.execPath, [...process.execArgv, __filename, 'csv-file', sizeText], { stdio: 'inherit' });
      const file = csvFileFor(sizeText);
      const key = `reports/etl-process1/data_${RUN_DATE.replaceAll('-', '')}.csv`;
      const emu = await startEmulatorProcess({ buckets: ['bench'] });
      Object.assign(process.env, emu.env, { REPORTS_BUCKET: 'bench', TRANSFORM_TOKENIZER: 'o200k_base' });
      const s3 = new S3ObjectStore(createS3Client(loadTransformConfig(process.env)), 'bench');
      await s3.write(key, createReadStream(file));
      const { handler } = await import('../../services/transform/src/handlers/transform');
      out.push(
        await measure(
          `transform end to end (S3 → S3, o200k, ${1 + defaultWorkerCount()} threads)`,
          sizeText,
          async () => {
            const s = await handler({ bucket: 'bench', key });
            return {
              items: s.scanned,
              bytes: statSync(file).size,
              extra: { tokens: s.tokens.total, bound: 'peak RSS < 1.5 GB' },
            };
          },
        ),
      );
      await emu.stop();
      break;
    }
    case 'archival-core':
    case 'consolidated-core': {
      const archival = stage === 'archival-core';
      const records = bedrockRecords(archival ? 'old' : 'new', size);
      const large = new MemoryObjectStore('large');
      for (const r of records) if (r.largeMessage) await large.write(r.largeMessage.key, r.largeMessage.body);
      const items = records.map((r) => r.item);
      records.length = 0;
      const method = archival ? ('chars/4' as const) : ('o200k_base' as const);
      const rec = recording(archival ? charsPer4 : await createTokenCounter(method));
      const common = {
        largeMessages: large,
        store: new MemoryObjectStore('bench'),
        prices: PriceTable.load(),
        method,
        defaultModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
        oldDataPrefix: 'a/',
        rejectsPrefix: 'ar/',
      };
      const bytes = items.reduce((n, it) => n + String(it.MessageMap ?? '').length, 0);
      const m = await measure(
        archival ? 'archival core (chars/4)' : 'consolidated core (o200k)',
        sizeText,
        async () => {
          const s = archival
            ? await runArchival({
                ...common,
                source: new MemorySource(items),
                count: rec.count,
                window: { start: '2000-01-01', end: '2100-01-01' },
              })
            : await runConsolidated({
                ...common,
                source: new MemorySource(items),
                count: rec.count,
                window: { start: '2000-01-01' },
                outputPrefix: 'o/',
                outputRejectsPrefix: 'or/',
              });
          return {
            items: s.conversations,
            bytes,
            extra: {
              tokens: s.tokens.input + s.tokens.output,
              bound: archival ? '≥ 50,000 conversations/s' : '≥ 0.80 of tokenizer',
            },
          };
        },
      );
      if (!archival) {
        const b = await tokenizerThroughput('o200k_base', rec.texts);
        m.extra.tokenizerOnlyMs = Math.round(b.ms);
        m.extra.ratioToTokenizer = +(b.ms / m.ms).toFixed(2);
        out.push(m);
        out.push({
          stage: 'bound: o200k countTokens (same texts)',
          size: sizeText,
          items: rec.texts.length,
          bytes: b.bytes,
          ms: b.ms,
          peakRssMb: 0,
          itemsPerSec: rec.texts.length / (b.ms / 1000),
          mbPerSec: b.mbPerSec,
          extra: { tokens: b.tokens },
        });
      } else out.push(m);
      const lines = items.map((it) => String(it.MessageMap ?? '{}'));
      const j = jsonParseThroughput(lines);
      out.push({
        stage: 'bound: JSON.parse (same MessageMaps)',
        size: sizeText,
        items: j.items,
        bytes: j.bytes,
        ms: j.ms,
        peakRssMb: 0,
        itemsPerSec: j.items / (j.ms / 1000),
        mbPerSec: j.mbPerSec,
        extra: {},
      });
      break;
    }
    case 'consolidated-e2e': {
      const emu = await startEmulatorProcess({ tables: ['bench-new'], buckets: ['bench', 'bench-large'] });
      Object.assign(process.env, emu.env, {
        BEDROCK_NEW_TABLE_NAME: 'bench-new',
        REPORTS_BUCKET: 'bench',
        LARGE_MESSAGE_BUCKET: 'bench-large',
        CONSOLIDATED_FILTER_DATE_START: '2000-01-01',
        GLUE_DATABASE: 'db',
        ATHENA_WORKGROUP: 'wg',
      });
      const { loaded, loadMs } = loadInSubprocess('load-bedrock-new');
      // Measured as the Lambda runs it: the bundled function under plain node, with the heap its
      // 512 MB allow (≈90 %), in its own process (the bench's tsx loader and Parquet/DuckDB
      // imports, ≈50 MB of RSS, are not the function's).
      const bundle = bundleLikeLambda(join(__dirname, '..', '..', 'scripts', 'bench', 'consolidated-lambda.ts'));
      const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
      const stdout = execFileSync(process.execPath, [`--max-old-space-size=${CONSOLIDATED_HEAP_MB}`, bundle], {
        env: process.env,
        maxBuffer: 16 * 1024 * 1024,
      });
      const lines = stdout.toString().trim().split('\n');
      const r = JSON.parse(lines[lines.length - 1] as string) as {
        conversations: number;
        ms: number;
        peakRssMb: number;
        heapMB: number;
        externalMB: number;
      };
      out.push({
        stage: 'consolidated end to end (DynamoDB → S3, o200k, Lambda bundle)',
        size: sizeText,
        items: r.conversations,
        bytes: 0,
        ms: r.ms,
        peakRssMb: r.peakRssMb,
        itemsPerSec: r.conversations / (r.ms / 1000),
        mbPerSec: 0,
        extra: {
          loaded,
          loadSeconds: +(loadMs / 1000).toFixed(1),
          heapLimitMB: CONSOLIDATED_HEAP_MB,
          bound: 'peak RSS < 512 MB',
          heapMB: r.heapMB,
          externalMB: r.externalMB,
        },
      });
      await emu.stop();
      break;
    }
    case 'load-catia': {
      // Loads the table in its own process, so the measured process's peak RSS is the stage's own.
      const { createDynamoClient } = await import('@catia/shared');
      const { generateCatiaItems } = await import('../lib/sample-data');
      const t0 = performance.now();
      async function* limited() {
        let n = 0;
        for (const it of generateCatiaItems({ users: Math.ceil(size / 3) + 10, seed: 20261125 })) {
          if (n++ >= size) return;
          yield it;
        }
      }
      const loaded = await loadItemsIntoTable({
        client: createDynamoClient(loadNormalizeConfig(process.env)),
        tableName: process.env.CATIA_TABLE_NAME as string,
        items: limited(),
        raw: false,
        concurrency: 16,
      });
      process.stdout.write(`${JSON.stringify({ loaded, loadMs: performance.now() - t0 })}\n`);
      return;
    }
    case 'load-bedrock-new': {
      const { createDynamoClient, createS3Client: s3c } = await import('@catia/shared');
      const { loadConsolidatedConfig } = await import('../../services/tokens/src/tokens/config');
      const { generateBedrockNewItems } = await import('../lib/sample-data');
      const cfg = loadConsolidatedConfig(process.env);
      const largeStore = new S3ObjectStore(s3c(cfg), cfg.LARGE_MESSAGE_BUCKET);
      const t0 = performance.now();
      let convs = 0;
      async function* items() {
        for (const r of generateBedrockNewItems({ users: Math.ceil(size / 2.5) + 10, seed: 20261125 })) {
          if (convs >= size) return;
          if (String(r.item.SK).includes('#CONV#')) convs++;
          if (r.largeMessage) await largeStore.write(r.largeMessage.key, r.largeMessage.body);
          yield r.item;
        }
      }
      const loaded = await loadItemsIntoTable({
        client: createDynamoClient(cfg),
        tableName: cfg.BEDROCK_NEW_TABLE_NAME,
        items: items(),
        raw: false,
        concurrency: 16,
      });
      process.stdout.write(`${JSON.stringify({ loaded, loadMs: performance.now() - t0 })}\n`);
      return;
    }
    default:
      throw new Error(`unknown stage ${stage}`);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// The bundle is also what a token worker thread loads (as in the Lambda): only the main thread benches.
if (isMainThread) {
  main().catch((err) => {
    process.stderr.write(`bench worker ${stage} ${sizeText}: ${(err as Error).stack}\n`);
    process.exit(1);
  });
}

/**
 * The whole pipeline on a machine without AWS: embedded DynamoDB and S3, the real handlers called
 * in the order AWS runs them (normalize → transform → tokens archival → tokens consolidated), and
 * DuckDB standing in for Athena and the Glue catalog. Used by `npm start`, the end-to-end tests and
 * the bench. Handlers read their configuration from `process.env` at load, so this sets the stage
 * settings and the emulator endpoints first and imports the handlers afterwards.
 */
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type ObjectStore, type RunSummary, S3ObjectStore, setLogSink, todayInBogota } from '@catia/shared';
import { DuckDbEngine, type LocationResolver } from '@catia/shared/duckdb';
import { startEmbeddedAws } from '@catia/shared/embedded-aws';
import { loadItemsIntoTable, readExportItems } from './import-export';
import { generateBedrockNewItems, generateBedrockOldItems, generateCatiaItems } from './sample-data';
import { readStageEnv } from './stage-env';

export interface LocalRunOptions {
  stage: 'test' | 'prod';
  runDate?: string;
  users: number;
  seed: number;
  catia?: string;
  bedrockOld?: string;
  bedrockNew?: string;
  outDir: string;
  /** Called with progress text (the CLI shows it on a terminal). */
  onProgress?: (text: string) => void;
  /** Called when a step starts and ends. */
  onStep?: (step: string, phase: 'start' | 'end', ms?: number) => void;
}

export interface StepResult {
  step: string;
  ms: number;
  summary: RunSummary & Record<string, unknown>;
}

export interface LocalRunResult {
  runDate: string;
  stage: string;
  inputs: Record<string, string>;
  loaded: Record<string, number>;
  steps: StepResult[];
  validation: Record<string, Record<string, unknown>[]>;
  balanced: boolean;
  outDir: string;
}

type TableInput = { kind: 'export'; path: string } | { kind: 'generated' };

/** Map `s3://bucket/key-or-prefix/` to files mirrored under `outDir` (same keys), for DuckDB. */
export function mirrorResolver(store: ObjectStore, outDir: string): LocationResolver {
  return async (location, format) => {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
    if (!m || m[1] !== store.bucket) throw new Error(`location outside the local bucket: ${location}`);
    const key = m[2] ?? '';
    if (!key.endsWith('/')) {
      await download(store, key, join(outDir, key));
      return join(outDir, key);
    }
    for await (const o of store.list(key)) {
      const rest = o.key.slice(key.length);
      if (rest.includes('/') || !rest.endsWith(`.${format}`)) continue;
      await download(store, o.key, join(outDir, o.key));
    }
    return join(outDir, key, `*.${format}`);
  };
}

async function download(store: ObjectStore, key: string, path: string): Promise<void> {
  const body = await store.read(key);
  if (!body) throw new Error(`missing object ${key}`);
  mkdirSync(dirname(path), { recursive: true });
  await pipeline(body, createWriteStream(path));
}

export async function runLocalPipeline(opts: LocalRunOptions): Promise<LocalRunResult> {
  const stageEnv = readStageEnv(opts.stage);
  const runDate = opts.runDate ?? todayInBogota();
  const reportsBucket = stageEnv.REPORTS_BUCKET ?? 'cat-local-reports';
  const largeBucket = stageEnv.LARGE_MESSAGE_BUCKET ?? 'cat-local-large-messages';
  const tables = {
    catia: stageEnv.CATIA_TABLE_NAME ?? 'catia',
    old: stageEnv.BEDROCK_OLD_TABLE_NAME ?? 'bedrock-old',
    new: stageEnv.BEDROCK_NEW_TABLE_NAME ?? 'bedrock-new',
  };

  const aws = await startEmbeddedAws({ tables: Object.values(tables), buckets: [reportsBucket, largeBucket] });
  // Handler logs go to a file next to the outputs; the terminal shows the readable summary.
  prepareOutDir(opts.outDir);
  const logFile = createWriteStream(join(opts.outDir, 'logs.jsonl'));
  const previousSink = setLogSink((line) => logFile.write(`${line}\n`));
  try {
    for (const [k, v] of Object.entries({ ...stageEnv, ...aws.env })) process.env[k] = v;
    process.env.FILTER_DATE_END ||= runDate;

    const inputs: Record<string, string> = {};
    const loaded: Record<string, number> = {};
    const describe = (path: string | undefined): TableInput =>
      path ? { kind: 'export', path } : { kind: 'generated' };
    const generatedLabel = `generated (users=${opts.users}, seed=${opts.seed})`;

    const load = async (
      name: string,
      table: string,
      input: TableInput,
      generate: () => Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
    ) => {
      inputs[name] = input.kind === 'export' ? input.path : generatedLabel;
      let count = 0;
      const report = (n: number) => {
        count = n;
        opts.onProgress?.(`loading ${name}: ${n.toLocaleString('en-US')} items`);
      };
      if (input.kind === 'export') {
        loaded[name] = await loadItemsIntoTable({
          client: aws.dynamo,
          tableName: table,
          items: readExportItems(input.path) as AsyncIterable<Record<string, AttributeValue>>,
          raw: true,
          onProgress: report,
        });
      } else {
        loaded[name] = await loadItemsIntoTable({
          client: aws.dynamo,
          tableName: table,
          items: generate(),
          raw: false,
          onProgress: report,
        });
      }
      void count;
    };

    const putLarge = async (key: string, body: string) => {
      await aws.s3.send(new PutObjectCommand({ Bucket: largeBucket, Key: key, Body: body }));
    };
    const bedrockItems = (gen: typeof generateBedrockOldItems) =>
      async function* () {
        for (const r of gen({ users: opts.users, seed: opts.seed })) {
          if (r.largeMessage) await putLarge(r.largeMessage.key, r.largeMessage.body);
          yield r.item;
        }
      };

    await load('catia', tables.catia, describe(opts.catia), () =>
      generateCatiaItems({ users: opts.users, seed: opts.seed }),
    );
    await load('bedrock-old', tables.old, describe(opts.bedrockOld), bedrockItems(generateBedrockOldItems));
    await load('bedrock-new', tables.new, describe(opts.bedrockNew), bedrockItems(generateBedrockNewItems));

    const store = new S3ObjectStore(aws.s3, reportsBucket);
    const duck = await DuckDbEngine.create(mirrorResolver(store, opts.outDir));
    const steps: StepResult[] = [];
    const step = async (name: string, run: () => Promise<unknown>) => {
      opts.onStep?.(name, 'start');
      const t0 = performance.now();
      const summary = (await run()) as StepResult['summary'];
      const ms = performance.now() - t0;
      steps.push({ step: name, ms, summary });
      opts.onStep?.(name, 'end', ms);
      return summary;
    };

    const normalize = await import('../../services/normalize/src/handlers/normalize');
    const transform = await import('../../services/transform/src/handlers/transform');
    const archival = await import('../../services/tokens/src/handlers/archival');
    const consolidated = await import('../../services/tokens/src/handlers/consolidated');

    const norm = (await step('normalize', () => normalize.handler({ runDate }))) as { outputKey?: string };
    // In AWS an S3 event starts the state machine with the new object's key; locally we pass it on.
    await step('transform', () => transform.handler({ bucket: reportsBucket, key: norm.outputKey }));
    // The state machine's crawler step: locally, register the Parquet data in the DuckDB catalog.
    const database = stageEnv.GLUE_DATABASE ?? 'analytics';
    await duck.publish('data', store.uri('reports/etl-process2/'));
    await duck.execute(`CREATE SCHEMA IF NOT EXISTS ${database}`);
    await duck.execute(`CREATE OR REPLACE VIEW ${database}.data AS SELECT * FROM main.data`);
    await step('tokens-archival', () => archival.handler());
    await step('tokens-consolidated', () => consolidated.createConsolidatedHandler({ queryEngine: duck })());

    const validation = {
      usuarios: await duck.execute(
        `SELECT COUNT(*) AS total_usuarios, MIN(fecha_primera_conversacion) AS primera, MAX(fecha_primera_conversacion) AS ultima, AVG(numero_conversaciones) AS promedio_conversaciones FROM ${database}.data`,
      ),
      tokensPorFuente: await duck.execute(
        'SELECT source, COUNT(*) AS conversaciones, SUM(input_token) AS input_token, SUM(output_token) AS output_token, SUM(total_price) AS total_price FROM tokens_table GROUP BY source ORDER BY source',
      ),
      tokensPorDia: await duck.execute(
        'SELECT CAST(substr(create_date, 1, 10) AS DATE) AS fecha, source, COUNT(*) AS conversaciones, SUM(total_price) AS total_price FROM tokens_table GROUP BY 1, 2 ORDER BY fecha DESC, source LIMIT 14',
      ),
    };
    duck.close();

    // Mirror the whole bucket into the output folder under the same keys.
    for await (const o of store.list('')) {
      if (o.key.startsWith('athena/')) continue;
      await download(store, o.key, join(opts.outDir, o.key));
    }

    const balanced = steps.every((s) => {
      const f = Object.values(s.summary.filtered ?? {}).reduce((a, b) => a + b, 0);
      return s.summary.scanned === s.summary.written + f + s.summary.rejected;
    });
    const result: LocalRunResult = {
      runDate,
      stage: opts.stage,
      inputs,
      loaded,
      steps,
      validation: jsonSafe(validation) as LocalRunResult['validation'],
      balanced,
      outDir: opts.outDir,
    };
    writeFileSync(join(opts.outDir, 'summary.json'), `${JSON.stringify(jsonSafe(result), null, 2)}\n`);
    return result;
  } finally {
    setLogSink(previousSink);
    await new Promise<void>((r) => logFile.end(r));
    await aws.stop();
  }
}

/** Remove a previous run's files, but only from a folder this runner wrote (it has a summary.json). */
function prepareOutDir(outDir: string): void {
  if (existsSync(join(outDir, 'summary.json'))) {
    for (const sub of [
      'reports',
      'archival',
      'tokens-analysis',
      'tokens-analysis-rejects',
      'config',
      'summary.json',
      'logs.jsonl',
    ]) {
      rmSync(join(outDir, sub), { recursive: true, force: true });
    }
  }
  mkdirSync(outDir, { recursive: true });
}

/** BigInt → number (or string when unsafe), Date → YYYY-MM-DD / ISO, for JSON output. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

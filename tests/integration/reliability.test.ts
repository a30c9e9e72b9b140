/**
 * Faults, failures mid-write, overlapping runs and exact round-trips, through the real handlers
 * and SDK clients. Faults come from the loopback proxy in tests/helpers/fault-proxy.ts (the
 * emulators themselves cannot be told to throttle or drop connections).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, S3ObjectStore } from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { generateCatiaItems } from '../../scripts/lib/sample-data';
import { createTestBucket, loadWithEnv, seedTable, testSettings } from '../helpers/aws';

const load = <T>(path: string, env: Record<string, string>): T => loadWithEnv<T>(require, path, env);
const seed = (items: Record<string, unknown>[]) => seedTable(items);

import { startFaultProxy } from '../helpers/fault-proxy';

type NormalizeModule = typeof import('../../services/normalize/src/handlers/normalize');
type TransformModule = typeof import('../../services/transform/src/handlers/transform');

const RUN = { runDate: '2025-12-31' };
const CSV_KEY = 'reports/etl-process1/data_20251231.csv';

describe('reliability', () => {
  const items = [...generateCatiaItems({ users: 60, seed: 11 })];

  it('gives the same output under throttling, 503s and dropped connections, and reports the retries', async () => {
    const table = await seed(items);
    const [cleanBucket, faultyBucket] = [await createTestBucket(), await createTestBucket()];
    const clean = load<NormalizeModule>('../../services/normalize/src/handlers/normalize', {
      CATIA_TABLE_NAME: table,
      REPORTS_BUCKET: cleanBucket,
      SCAN_SEGMENTS: '2',
    });
    const cleanSummary = await clean.handler(RUN);
    expect(cleanSummary.retries).toBe(0);

    const ddbProxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_DYNAMODB as string,
      service: 'dynamodb',
      every: 2,
      kinds: ['throttle', 'drop'],
      maxFaults: 4,
    });
    const s3Proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_S3 as string,
      service: 's3',
      every: 2,
      kinds: ['slowdown', 'drop'],
      maxFaults: 4,
    });
    const faulty = load<NormalizeModule>('../../services/normalize/src/handlers/normalize', {
      CATIA_TABLE_NAME: table,
      REPORTS_BUCKET: faultyBucket,
      SCAN_SEGMENTS: '2',
      AWS_ENDPOINT_URL_DYNAMODB: ddbProxy.endpoint,
      AWS_ENDPOINT_URL_S3: s3Proxy.endpoint,
    });
    const faultySummary = await faulty.handler(RUN);
    await ddbProxy.close();
    await s3Proxy.close();

    const injected =
      Object.values(ddbProxy.injected).reduce((a, b) => a + b, 0) +
      Object.values(s3Proxy.injected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(0);
    expect(faultySummary.retries).toBe(injected);
    const s3 = createS3Client(testSettings());
    const a = await new S3ObjectStore(s3, cleanBucket).readText(CSV_KEY);
    const b = await new S3ObjectStore(s3, faultyBucket).readText(CSV_KEY);
    expect(b).toBe(a);
    expect({ ...faultySummary, retries: 0 }).toEqual({ ...cleanSummary, retries: 0 });
  }, 120_000);

  it('keeps the previous output whole when the store refuses the upload, and a re-run succeeds', async () => {
    const table = await seed(items.slice(0, 60));
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write(CSV_KEY, 'previous,complete\r\n');
    const proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_S3 as string,
      service: 's3',
      every: 1,
      kinds: ['slowdown'],
      eligible: (req) => req.method !== 'GET' && (req.url ?? '').includes('data_20251231.csv'),
    });
    const broken = load<NormalizeModule>('../../services/normalize/src/handlers/normalize', {
      CATIA_TABLE_NAME: table,
      REPORTS_BUCKET: bucket,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      AWS_MAX_ATTEMPTS: '2',
    });
    await expect(broken.handler(RUN)).rejects.toMatchObject({ name: 'OutputError' });
    await proxy.close();
    expect(await store.readText(CSV_KEY)).toBe('previous,complete\r\n');

    const healthy = load<NormalizeModule>('../../services/normalize/src/handlers/normalize', {
      CATIA_TABLE_NAME: table,
      REPORTS_BUCKET: bucket,
    });
    const summary = await healthy.handler(RUN);
    expect(summary.users).toBeGreaterThan(0);
    expect(await store.readText(CSV_KEY)).not.toBe('previous,complete\r\n');
  }, 60_000);

  it('never produces a mixed file from two overlapping runs', async () => {
    const table = await seed(items);
    const bucket = await createTestBucket();
    const mod = load<NormalizeModule>('../../services/normalize/src/handlers/normalize', {
      CATIA_TABLE_NAME: table,
      REPORTS_BUCKET: bucket,
      SCAN_SEGMENTS: '3',
    });
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await mod.handler(RUN);
    const single = await store.readText(CSV_KEY);
    await Promise.all([mod.handler(RUN), mod.handler(RUN)]);
    expect(await store.readText(CSV_KEY)).toBe(single);
  }, 60_000);

  it('round-trips awkward texts exactly from DynamoDB to CSV to Parquet to a DuckDB query', async () => {
    const texts = [
      'línea 1\nlínea 2\r\nlínea 3',
      'dijo "hola", ¿vale?',
      'uno | dos | tres',
      '=HYPERLINK("http://x")',
      '+57 300 000 0000',
      '-menos',
      '@usuario',
      'tab\tseparado',
      'casa 🏠 ✅ 👩🏽‍💻',
      '\u200fنص عربي\u200f',
      'control \u0007 bell',
      'x'.repeat(5000),
    ];
    const table = await seed(
      texts.map((t, i) => ({
        PK: 'USER#roundtrip',
        SK: `CONVERSATION#${i}`,
        CreatedAt: `2025-09-${String(i + 1).padStart(2, '0')}T15:00:00Z`,
        UserData: { nombre: 'Prueba', ciudad: 'Bogotá' },
        Conversation: [{ from: 'user', text: t, timestamp: `2025-09-${String(i + 1).padStart(2, '0')}T15:00:00Z` }],
      })),
    );
    const bucket = await createTestBucket();
    const env = { CATIA_TABLE_NAME: table, REPORTS_BUCKET: bucket };
    await load<NormalizeModule>('../../services/normalize/src/handlers/normalize', env).handler(RUN);
    await load<TransformModule>('../../services/transform/src/handlers/transform', env).handler({
      bucket,
      key: CSV_KEY,
    });
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    const parquet = Buffer.concat(await (await store.read('reports/etl-process2/data.parquet'))!.toArray());
    const dir = mkdtempSync(join(tmpdir(), 'roundtrip-'));
    writeFileSync(join(dir, 'data.parquet'), parquet);
    const db = await DuckDbEngine.create(async () => join(dir, 'data.parquet'));
    await db.publish('data', `s3://${bucket}/reports/etl-process2/`);
    const rows = await db.execute('SELECT unnest(lista_preguntas) AS q FROM data');
    expect(rows.map((r) => r.q)).toEqual(texts.map((t) => t.trim()));
    const conv = await db.execute('SELECT conversacion_completa AS c FROM data');
    const parsed = JSON.parse(conv[0]?.c as string) as { texto: string }[][];
    expect(parsed.map((c) => c[0]?.texto)).toEqual(texts);
    db.close();
  }, 60_000);
});

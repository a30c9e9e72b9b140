import { createS3Client, S3ObjectStore, setLogSink } from '@catia/shared';
import { createTestBucket, testSettings } from '../../../../tests/helpers/aws';

type HandlerModule = typeof import('../../src/handlers/transform');

/**
 * Import the handler module fresh (its configuration is read at module load) with `env` set;
 * `before` runs first in the same module registry (to spy on a module the handler uses).
 */
function loadHandler(env: Record<string, string | undefined>, before?: () => void): HandlerModule {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let mod: HandlerModule | undefined;
    jest.isolateModules(() => {
      before?.();
      mod = require('../../src/handlers/transform') as HandlerModule;
    });
    return mod as HandlerModule;
  } finally {
    process.env = saved;
  }
}

const HEADER =
  'usuario_id,nombre,email,gerencia,ciudad,fecha_primera_conversacion,fecha_ultima_conversacion,numero_conversaciones,numero_mensajes,lista_preguntas,feedback_likes,feedback_dislikes,feedback_ultima_respuesta,comentarios_feedback,conversacion_completa\r\n';
const row = (id: string, q: string) =>
  `${id},N,,,Bogotá,2025-08-10,2025-08-10,1,2,"[""${q}""]",0,0,,[],"[[{""rol"":""user"",""texto"":""${q}"",""fecha"":""2025-08-10T15:00:00Z""},{""rol"":""bot"",""texto"":""respuesta larga"",""fecha"":""2025-08-10T15:00:04Z""}]]"\r\n`;

let restoreSink: ReturnType<typeof setLogSink> | undefined;
const logLines: string[] = [];
beforeAll(() => {
  restoreSink = setLogSink((l) => logLines.push(l));
});
afterAll(() => {
  if (restoreSink) setLogSink(restoreSink);
});

describe('transform handler on the embedded S3', () => {
  it('transforms the CSV named by the event, and the newest CSV on a manual invoke', async () => {
    // Prepare
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write('reports/etl-process1/data_20251230.csv', HEADER + row('a', 'hola'));
    await new Promise((r) => setTimeout(r, 1100));
    await store.write(
      'reports/etl-process1/data_20251231.csv',
      `${HEADER + row('a', 'hola') + row('b', 'certificado catastral')}x,N,,,Bogotá,ayer,,1,1,[],0,0,,[],[]\r\n`,
    );
    await store.write('reports/etl-process1/rejects/data_20251231.jsonl', '{}\n');
    const { handler } = loadHandler({ REPORTS_BUCKET: bucket, TRANSFORM_TOKENIZER: 'o200k_base' });

    // Act
    const byEvent = await handler({ bucket, key: 'reports/etl-process1/data_20251230.csv' });
    const first = Buffer.concat(await (await store.read('reports/etl-process2/data.parquet'))!.toArray());
    const manual = await handler({});

    // Assess
    expect(byEvent).toMatchObject({
      scanned: 1,
      written: 1,
      filtered: {},
      rejected: 0,
      rejectsKey: 'reports/etl-process2/rejects/data_20251230.jsonl',
      tokenizer: 'o200k_base',
      model: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      outputKey: 'reports/etl-process2/data.parquet',
    });
    expect(byEvent.tokens.pregunta).toBeGreaterThan(0);
    expect(first.subarray(0, 4).toString()).toBe('PAR1');
    expect(manual).toMatchObject({
      inputKey: 'reports/etl-process1/data_20251231.csv',
      scanned: 3,
      written: 2,
      rejected: 1,
      rejectsKey: 'reports/etl-process2/rejects/data_20251231.jsonl',
    });
    expect(manual.costUsd).toBeGreaterThan(0);
    const second = Buffer.concat(await (await store.read('reports/etl-process2/data.parquet'))!.toArray());
    expect(second.subarray(0, 4).toString()).toBe('PAR1');
    expect(second.subarray(-4).toString()).toBe('PAR1');
    expect(second.length).toBeGreaterThan(first.length);
    expect(await store.readText('reports/etl-process2/rejects/data_20251231.jsonl')).toBe(
      '{"keys":{"usuario_id":"x"},"reason":"fecha_primera_conversacion is not a date"}\n',
    );
    // Logs carry counts and keys, never the texts
    expect(logLines.join('\n')).not.toMatch(/certificado catastral|respuesta larga/);
  }, 30_000);

  it('refuses an event for another bucket and keeps the previous Parquet when the CSV lacks a column', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write('reports/etl-process2/data.parquet', 'previous');
    await store.write('reports/etl-process1/data_20251231.csv', 'usuario_id,nombre\r\nx,y\r\n');
    const { handler } = loadHandler({ REPORTS_BUCKET: bucket });
    await expect(handler({ bucket: 'otro', key: 'reports/etl-process1/data_20251231.csv' })).rejects.toMatchObject({
      name: 'InputError',
    });
    await expect(handler({ bucket, key: 'reports/etl-process1/data_20251231.csv' })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('"email"'),
    });
    expect(await store.readText('reports/etl-process2/data.parquet')).toBe('previous');
  }, 30_000);

  it('fails with an InputError when the prefix holds no CSV', async () => {
    const bucket = await createTestBucket();
    const { handler } = loadHandler({ REPORTS_BUCKET: bucket });
    await expect(handler({})).rejects.toMatchObject({ name: 'InputError' });
  });

  it('prices with the user price table named by PRICE_TABLE_KEY', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write(
      'config/prices.json',
      JSON.stringify({
        version: 'user-7',
        currency: 'USD',
        unit: 'per 1M tokens',
        models: [{ id: 'mi-modelo', prices: [{ from: null, to: null, regional: { input: 1000000, output: 0 } }] }],
      }),
    );
    await store.write('reports/etl-process1/data_20251231.csv', HEADER + row('a', 'hola hola hola hola'));
    const { handler } = loadHandler({
      REPORTS_BUCKET: bucket,
      CATIA_MODEL_ID: 'mi-modelo',
      PRICE_TABLE_KEY: 'config/prices.json',
      TRANSFORM_TOKENIZER: 'chars/4',
    });
    const s = await handler({});
    // $1 per user token: the cost equals the user tokens (19 chars / 4 = 4)
    expect(s).toMatchObject({ priceTableVersion: 'user-7', model: 'mi-modelo', tokens: { pregunta: 4 }, costUsd: 4 });
  }, 30_000);

  it('fails at cold start naming the variable', () => {
    expect(() => loadHandler({ REPORTS_BUCKET: 'b', CATIA_MODEL_ID: 'gpt-9' })).toThrow('CATIA_MODEL_ID');
    expect(() => loadHandler({ REPORTS_BUCKET: '' })).toThrow('REPORTS_BUCKET');
  });

  it('stops the token workers it started when another part of the cold start fails', async () => {
    // The workers, the encoding and the prices are prepared at once: a price table that cannot be
    // read must not leave worker threads (each holding an encoding) behind.
    const bucket = await createTestBucket();
    let start: jest.SpyInstance | undefined;
    let close: jest.SpyInstance | undefined;
    const { handler } = loadHandler({ REPORTS_BUCKET: bucket, PRICE_TABLE_KEY: 'config/missing.json' }, () => {
      const { TokenWorkers } = require('../../src/transform/workers') as typeof import('../../src/transform/workers');
      start = jest.spyOn(TokenWorkers, 'start');
      close = jest.spyOn(TokenWorkers.prototype, 'close');
    });
    await expect(handler({})).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('PRICE_TABLE_KEY'),
    });
    const started = (start as jest.SpyInstance).mock.results.filter((r) => r.type === 'return').length;
    expect((close as jest.SpyInstance).mock.calls.length).toBe(started);
  }, 30_000);

  it('fails every invoke naming CATIA_MODEL_ID when the user price table lacks the model', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write(
      'config/prices.json',
      JSON.stringify({
        version: 'user-8',
        currency: 'USD',
        unit: 'per 1M tokens',
        models: [{ id: 'otro', prices: [{ from: null, to: null, regional: { input: 1, output: 1 } }] }],
      }),
    );
    const { handler } = loadHandler({ REPORTS_BUCKET: bucket, PRICE_TABLE_KEY: 'config/prices.json' });
    await expect(handler({})).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('CATIA_MODEL_ID'),
    });
  }, 30_000);
});

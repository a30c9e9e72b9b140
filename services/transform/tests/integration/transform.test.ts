import { createS3Client, S3ObjectStore } from '@catia/shared';
import { createTestBucket, loadWithEnv, testSettings } from '../../../../tests/helpers/aws';

type TransformModule = typeof import('../../src/handlers/transform');
const loadHandler = async (env: Record<string, string | undefined>) =>
  loadWithEnv<TransformModule>(require, '../../src/handlers/transform', env);

const HEADER =
  'usuario_id,nombre,email,gerencia,ciudad,fecha_primera_conversacion,fecha_ultima_conversacion,numero_conversaciones,numero_mensajes,lista_preguntas,feedback_likes,feedback_dislikes,feedback_ultima_respuesta,comentarios_feedback,conversacion_completa\r\n';
const row = (id: string, q: string) =>
  `${id},N,,,Bogotá,2025-08-10,2025-08-10,1,2,"[""${q}""]",0,0,,[],"[[{""rol"":""user"",""texto"":""${q}"",""fecha"":""2025-08-10T15:00:00Z""},{""rol"":""bot"",""texto"":""respuesta larga"",""fecha"":null}]]"\r\n`;

describe('transform handler on the embedded S3', () => {
  it('transforms the CSV named by the event, and the newest CSV on a manual invoke', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write('reports/etl-process1/data_20251230.csv', HEADER + row('a', 'hola'));
    await new Promise((r) => setTimeout(r, 1100));
    await store.write(
      'reports/etl-process1/data_20251231.csv',
      HEADER + row('a', 'hola') + row('b', 'certificado catastral'),
    );
    const { handler } = await loadHandler({ REPORTS_BUCKET: bucket, TRANSFORM_TOKENIZER: 'o200k_base' });

    const byEvent = await handler({ bucket, key: 'reports/etl-process1/data_20251230.csv' });
    expect(byEvent).toMatchObject({ scanned: 1, written: 1, rejected: 0, tokenizer: 'o200k_base' });
    expect(byEvent.tokens.pregunta).toBeGreaterThan(0);
    const manual = await handler({});
    expect(manual).toMatchObject({ inputKey: 'reports/etl-process1/data_20251231.csv', scanned: 2, written: 2 });
    expect(manual.costUsd).toBeGreaterThan(0);
    const parquet = await store.read('reports/etl-process2/data.parquet');
    const bytes = Buffer.concat(await parquet!.toArray());
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
  }, 30_000);

  it('refuses an event for another bucket and keeps the previous Parquet when the CSV is bad', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write('reports/etl-process2/data.parquet', 'previous');
    await store.write('reports/etl-process1/data_20251231.csv', 'usuario_id,nombre\r\nx,y\r\n');
    const { handler } = await loadHandler({ REPORTS_BUCKET: bucket });
    await expect(handler({ bucket: 'otro', key: 'x.csv' })).rejects.toMatchObject({ name: 'InputError' });
    await expect(handler({ bucket, key: 'reports/etl-process1/data_20251231.csv' })).rejects.toThrow('"email"');
    expect(await store.readText('reports/etl-process2/data.parquet')).toBe('previous');
  }, 30_000);

  it('fails at cold start naming an unknown model', async () => {
    await expect(loadHandler({ REPORTS_BUCKET: 'b', CATIA_MODEL_ID: 'gpt-9' })).rejects.toThrow('CATIA_MODEL_ID');
  });
});

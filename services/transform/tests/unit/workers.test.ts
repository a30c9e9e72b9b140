import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTokenCounter, MemoryObjectStore, MemorySource, PriceTable } from '@catia/shared';
import { generateCatiaItems } from '../../../../scripts/lib/sample-data';
import { loadNormalizeConfig } from '../../../normalize/src/normalize/config';
import { runNormalize } from '../../../normalize/src/normalize/pipeline';
import { loadTransformConfig } from '../../src/transform/config';
import { type MeasuredBatch, measureConversations, measureUtf8 } from '../../src/transform/measure';
import { type ConversationMeasurer, runTransform } from '../../src/transform/pipeline';
import { conversations } from '../../src/transform/rows';
import { SlabPool, TextSlab } from '../../src/transform/text-slab';
import { TokenWorkerError, TokenWorkers } from '../../src/transform/workers';

/** A slab holding `texts`, as the pipeline fills one. */
function slabOf(texts: readonly string[]): TextSlab {
  const bytes = texts.map((t) => Buffer.from(t));
  const slab = new TextSlab(bytes.reduce((n, b) => n + b.length, 0) + 1);
  for (const b of bytes) slab.add(b);
  return slab;
}

const KEY = 'reports/etl-process1/data_20251231.csv';
const FIXTURES = join(__dirname, '..', 'fixtures');

/** A normalize CSV of generated users, followed by every row of the transform fixtures (rejected ones included). */
async function sampleCsv(): Promise<Buffer> {
  const store = new MemoryObjectStore('s');
  const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 's' });
  const items = [...generateCatiaItems({ users: 400, seed: 7 })];
  const s = await runNormalize({ source: new MemorySource(items), store, config, runDate: '2025-12-31' });
  // Each fixture without its header line (they end in LF or CRLF; either ends a record).
  const fixtureRows = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.input.csv'))
    .map((f) => readFileSync(join(FIXTURES, f), 'utf-8'))
    .map((csv) => csv.slice(csv.indexOf('\n') + 1));
  return Buffer.concat([store.objects.get(s.outputKey)?.bytes as Buffer, Buffer.from(fixtureRows.join('\n'))]);
}

async function transform(csv: Buffer, workers?: ConversationMeasurer) {
  const store = new MemoryObjectStore('b');
  await store.write(KEY, csv);
  const config = loadTransformConfig({ REPORTS_BUCKET: 'b', TRANSFORM_TOKENIZER: 'o200k_base' });
  const summary = await runTransform({
    store,
    config,
    key: KEY,
    prices: PriceTable.load(),
    countTokens: await createTokenCounter('o200k_base'),
    workers,
    rowGroupSize: 100,
  });
  const { durationMs: _d, ...rest } = summary as typeof summary & { durationMs?: number };
  return {
    summary: rest,
    parquet: store.objects.get(config.OUTPUT_KEY)?.bytes,
    rejects: await store.readText(summary.rejectsKey),
  };
}

const row = (id: string, text: string) =>
  `${id},N,,,Bogotá,2025-08-10,2025-08-10,1,2,"[]",0,0,,[],"[[{""rol"":""user"",""texto"":""${text}"",""fecha"":""2025-08-10T15:00:00Z""}]]"`;
const HEADER =
  'usuario_id,nombre,email,gerencia,ciudad,fecha_primera_conversacion,fecha_ultima_conversacion,numero_conversaciones,numero_mensajes,lista_preguntas,feedback_likes,feedback_dislikes,feedback_ultima_respuesta,comentarios_feedback,conversacion_completa';

describe('measureConversations', () => {
  it('packs each text as its conversations (user tokens, bot tokens, first instant) or as a rejection', async () => {
    const count = await createTokenCounter('chars/4');
    const ok = JSON.stringify([
      [
        { rol: 'user', texto: 'ocho car', fecha: '2025-08-10T15:00:00Z' },
        { rol: 'bot', texto: 'dieciséis caract', fecha: '2025-08-10T14:00:00Z' },
      ],
      [{ rol: 'bot', texto: 'cuatro' }],
    ]);
    const m = measureConversations([ok, 'no es json', '', '[[{"rol":"x","texto":"a"}]]'], count);
    expect([...m.values]).toEqual([2, 2, 4, Date.parse('2025-08-10T14:00:00Z'), 0, 1, Number.NaN, -1, 0, -2]);
    expect(m.errors).toEqual(['conversacion_completa is not JSON', 'conversacion_completa holds a malformed message']);
    expect(() => conversations('no es json')).toThrow(m.errors[0] as string);
  });
});

describe('the pipeline with other threads measuring', () => {
  /** A measurer whose jobs are done only by the caller (every job can be taken back). */
  const idle = (): ConversationMeasurer => ({
    size: 1,
    poll: () => undefined,
    send: () => ({ settled: new Promise<void>(() => undefined), takeBack: () => true }),
  });
  /** A measurer whose jobs are always started elsewhere and finish a little later, out of order. */
  const late = async (): Promise<ConversationMeasurer> => {
    const count = await createTokenCounter('o200k_base');
    let n = 0;
    return {
      size: 1,
      poll: () => undefined,
      send: (slab) => {
        const job: { measured?: MeasuredBatch; settled: Promise<void>; takeBack: () => boolean } = {
          takeBack: () => false,
          settled: new Promise<void>((resolve) =>
            setTimeout(
              () => {
                job.measured = measureUtf8(slab.bytes, slab.ends, slab.ends.length, count);
                resolve();
              },
              n++ % 3 === 0 ? 20 : 1,
            ),
          ),
        };
        return job;
      },
    };
  };

  it('writes the same output when it measures every batch itself, or waits for every one', async () => {
    const csv = await sampleCsv();
    const one = await transform(csv);
    for (const measurer of [idle(), await late()]) {
      const other = await transform(csv, measurer);
      expect(other.summary).toEqual(one.summary);
      expect(other.rejects).toBe(one.rejects);
      expect(Buffer.compare(other.parquet as Buffer, one.parquet as Buffer)).toBe(0);
    }
  }, 120_000);
});

describe('text slabs', () => {
  it('hold texts back to back, each read back as it was added', () => {
    const slab = new TextSlab(64);
    const texts = ['hola', '', 'ñandú 🏠', 'x'.repeat(20)].map((t) => Buffer.from(t));
    for (const t of texts) {
      expect(slab.fits(t.length)).toBe(true);
      slab.add(t);
    }
    expect(slab.fits(64 - slab.length)).toBe(true);
    expect(slab.fits(64 - slab.length + 1)).toBe(false);
    for (const [i, t] of texts.entries()) expect(Buffer.from(slab.text(i)).equals(t)).toBe(true);
    expect(slab.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('come back cleared from the pool; a slab sized for one long text is not kept', () => {
    const pool = new SlabPool(32, 1);
    const a = pool.take();
    a.add(Buffer.from('abc'));
    const long = pool.take(100);
    expect(long.capacity).toBe(100);
    pool.give(long);
    pool.give(a);
    const again = pool.take();
    expect(again).toBe(a);
    expect([again.length, again.ends.length]).toEqual([0, 0]);
    expect(pool.take()).not.toBe(long);
  });

  it('are measured as the same texts decoded (a bad byte sequence as U+FFFD)', async () => {
    const count = await createTokenCounter('o200k_base');
    const texts = [
      JSON.stringify([[{ rol: 'user', texto: '¿Cuál es el avalúo? 🏠', fecha: '2025-08-10T15:00:00Z' }]]),
      '',
      'no es json',
    ];
    const bad = Buffer.concat([
      Buffer.from('[[{"rol":"bot","texto":"a'),
      Buffer.from([0xff, 0xe2]),
      Buffer.from('"}]]'),
    ]);
    const slab = new TextSlab(4096);
    for (const t of [...texts.map((x) => Buffer.from(x)), bad]) slab.add(t);
    const got = measureUtf8(slab.bytes, slab.ends, slab.ends.length, count);
    expect(got).toEqual(measureConversations([...texts, bad.toString('utf-8')], count));
    expect(got.values[got.values.length - 2]).toBe(count('a\ufffd\ufffd'));
  });
});

describe('token workers', () => {
  let workers: TokenWorkers;
  beforeAll(async () => {
    workers = await TokenWorkers.start('o200k_base', 2);
  }, 60_000);
  afterAll(async () => {
    await workers.close();
  });

  it('give the same Parquet bytes, summary and rejects as one thread', async () => {
    const csv = await sampleCsv();
    const one = await transform(csv);
    const many = await transform(csv, workers);
    expect(one.summary.rejected).toBeGreaterThan(5);
    expect(one.summary.written).toBeGreaterThan(300);
    expect(many.summary).toEqual(one.summary);
    expect(many.rejects).toBe(one.rejects);
    expect(Buffer.compare(many.parquet as Buffer, one.parquet as Buffer)).toBe(0);
  }, 120_000);

  it('measure every batch exactly once: by a worker, or by the caller when taken back before a worker starts it', async () => {
    const count = await createTokenCounter('o200k_base');
    const text = JSON.stringify([[{ rol: 'user', texto: 'hola '.repeat(2000) }]]);
    const batches = Array.from({ length: 40 }, (_, i) => [text, JSON.stringify([[{ rol: 'bot', texto: `n ${i}` }]])]);
    const jobs = batches.map((b) => workers.send(slabOf(b)));
    const takenBack = jobs.map((j) => j.takeBack());
    expect(takenBack.some(Boolean)).toBe(true);
    await Promise.all(jobs.filter((_, i) => !takenBack[i]).map((j) => j.settled));
    workers.poll();
    jobs.forEach((j, i) => {
      if (takenBack[i]) expect(j.measured).toBeUndefined();
      else expect(j.measured).toEqual(measureConversations(batches[i] as string[], count));
      expect(j.takeBack()).toBe(false);
    });
  }, 60_000);

  it('fail the run with the tokenizer’s own message, as one thread does', async () => {
    const csv = Buffer.from(`${HEADER}\r\n${row('a', 'hola')}\r\n${row('b', 'fin <|endoftext|>')}\r\n`);
    await expect(transform(csv)).rejects.toThrow('Disallowed special token found: <|endoftext|>');
    await expect(transform(csv, workers)).rejects.toThrow('Disallowed special token found: <|endoftext|>');
    expect(workers.healthy).toBe(true);
  }, 60_000);

  it('once closed, fail every batch and the run', async () => {
    const closed = await TokenWorkers.start('chars/4', 1);
    const pending = closed.send(slabOf([JSON.stringify([[{ rol: 'user', texto: 'hola' }]])]));
    await closed.close();
    await pending.settled;
    expect(pending.failure).toBeInstanceOf(TokenWorkerError);
    expect(closed.healthy).toBe(false);
    await expect(transform(Buffer.from(`${HEADER}\r\n${row('a', 'hola')}\r\n`), closed)).rejects.toThrow(
      TokenWorkerError,
    );
  }, 60_000);
});

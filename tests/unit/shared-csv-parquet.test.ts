import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CsvStreamWriter,
  csvField,
  EncodedCsvField,
  MemoryObjectStore,
  MissingColumnError,
  ParquetRowWriter,
  parseCsvRecords,
  passThroughSink,
  readCsv,
  readCsvWithRaw,
  rowsToCsv,
} from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { parse, writeToString } from 'fast-csv';

const AWKWARD = [
  'línea 1\nlínea 2',
  'dijo "hola"',
  'a, b, c',
  'uno | dos',
  '=SUM(A1)',
  '+57 300',
  '-menos',
  '@usuario',
  'tab\there',
  'emoji 🏠✅',
  '\u200fRTL',
];

describe('CSV', () => {
  it('agrees with fast-csv in both directions on awkward texts', async () => {
    const ours = await rowsToCsv(
      ['id', 'texto'],
      AWKWARD.map((t, i) => ({ id: i, texto: t })),
    );
    const parsedByFastCsv: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const p = parse({ headers: true })
        .on('data', (r: { texto: string }) => parsedByFastCsv.push(r.texto))
        .on('end', () => resolve())
        .on('error', reject);
      p.end(ours);
    });
    expect(parsedByFastCsv).toEqual(AWKWARD);
    const theirs = await writeToString(
      AWKWARD.map((t, i) => ({ id: i, texto: t })),
      { headers: ['id', 'texto'], rowDelimiter: '\r\n', includeEndRowDelimiter: true },
    );
    const back: string[] = [];
    for await (const row of readCsv(Readable.from([theirs]), ['texto'])) back.push(row.texto as string);
    expect(back).toEqual(AWKWARD);
  });

  it('parses records split across chunk boundaries at every position', async () => {
    const csv = await rowsToCsv(
      ['a', 'b'],
      AWKWARD.map((t) => ({ a: t, b: `${t}"` })),
    );
    for (let cut = 1; cut < csv.length; cut += 7) {
      const chunks = [Buffer.from(csv.slice(0, cut)), Buffer.from(csv.slice(cut))];
      const rows: string[] = [];
      for await (const r of readCsv(Readable.from(chunks))) rows.push(r.a as string);
      expect(rows).toEqual(AWKWARD);
    }
  });

  it('parses byte chunks cut at every byte, inside multi-byte characters too, and text chunks cut inside surrogate pairs', async () => {
    const csv = await rowsToCsv(
      ['a', 'b'],
      AWKWARD.map((t) => ({ a: t, b: `${t}"` })),
    );
    const bytes = Buffer.from(csv);
    const expected = AWKWARD.map((t) => ({ a: t, b: `${t}"` }));
    for (let cut = 1; cut < bytes.length; cut++) {
      const rows: Record<string, string>[] = [];
      for await (const r of readCsv(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]))) rows.push(r);
      expect(rows).toEqual(expected);
    }
    for (let cut = 1; cut < csv.length; cut++) {
      const rows: Record<string, string>[] = [];
      for await (const r of readCsv(Readable.from([csv.slice(0, cut), csv.slice(cut)]))) rows.push(r);
      expect(rows).toEqual(expected);
    }
  });

  it('reads fields longer than its buffers, one byte at a time and in one piece', async () => {
    // A 200 KB quoted field full of doubled quotes, and a record spanning thousands of chunks.
    const long = `${'{"texto": "línea con ""comillas""", '.repeat(5000)}🏠`;
    const csv = `id,json,fin\r\n1,${csvField(long)},x\r\n2,"",\r\n`;
    const bytes = Buffer.from(csv);
    const expected = [
      { id: '1', json: long, fin: 'x' },
      { id: '2', json: '', fin: '' },
    ];
    for (const chunks of [[bytes], Array.from(bytes, (b) => Buffer.from([b]))]) {
      const rows: Record<string, string>[] = [];
      for await (const r of readCsv(Readable.from(chunks))) rows.push(r);
      expect(rows).toEqual(expected);
    }
  });

  it('reads back random rows of awkward pieces, cut into random byte chunks', async () => {
    let seed = 20261125;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = [',', '"', '""', '\n', '\r\n', '\r', 'é', 'ñ', '🏠', '\u200f', ' ', '{"a":1}', 'x'.repeat(40), ''];
    for (let round = 0; round < 200; round++) {
      const rows = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, r) => ({
        id: String(r),
        a: Array.from({ length: Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]).join(
          '',
        ),
        b: Array.from({ length: Math.floor(random() * 3) }, () => pieces[Math.floor(random() * pieces.length)]).join(
          '',
        ),
      }));
      const bytes = Buffer.from(await rowsToCsv(['id', 'a', 'b'], rows));
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const step = 1 + Math.floor(random() * (random() < 0.5 ? 5 : 60));
        chunks.push(bytes.subarray(at, at + step));
        at += step;
      }
      const back: Record<string, string>[] = [];
      for await (const r of readCsv(Readable.from(chunks))) back.push(r);
      expect(back).toEqual(rows);
    }
  });

  it('gives one column as its bytes, the same as the decoded value, for random rows in random chunks', async () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = [',', '"', '""', '\n', '\r\n', 'é', '🏠', ' ', '{"a":"b"}', 'x'.repeat(70), ''];
    const text = (n: number) =>
      Array.from({ length: Math.floor(random() * n) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    for (let round = 0; round < 200; round++) {
      // The raw column first, last or in between, with quoted (doubled-quote) fields after it too.
      const headers = [
        ['raw', 'a', 'b'],
        ['a', 'b', 'raw'],
        ['a', 'raw', 'b'],
      ][round % 3] as string[];
      const rows = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
        a: text(4),
        raw: text(12),
        b: text(4),
      }));
      const bytes = Buffer.from(await rowsToCsv(headers, rows));
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const step = 1 + Math.floor(random() * (random() < 0.5 ? 5 : 60));
        chunks.push(bytes.subarray(at, at + step));
        at += step;
      }
      const back: Array<Record<string, string>> = [];
      for await (const { row, raw } of readCsvWithRaw(Readable.from(chunks), ['raw'], 'raw')) {
        back.push({ ...row, raw: Buffer.from(raw).toString('utf-8') });
      }
      expect(back).toEqual(rows);
    }
  });

  it('finds every quote whatever its offset from the 4-byte steps of the scan, in one piece and in chunks of 1–9 bytes', async () => {
    // Quoted text is scanned 4 bytes at a time between quotes: put a lone quote, a doubled quote
    // and a field end at every offset from the field's start and from each chunk's start.
    const rows: Array<Record<string, string>> = [];
    for (let lead = 0; lead < 8; lead++) {
      for (let gap = 0; gap < 10; gap++) {
        const texto = `${'á'.repeat(lead)}"${'b'.repeat(gap)}""${'c'.repeat((lead + gap) % 5)}`;
        rows.push({ id: `${lead}-${gap}`, texto, fin: 'x'.repeat(gap % 4) });
      }
    }
    const bytes = Buffer.from(await rowsToCsv(['id', 'texto', 'fin'], rows));
    for (let size = 0; size < 10; size++) {
      const chunks: Buffer[] = [];
      if (size === 0) chunks.push(bytes);
      else for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      const back: Array<Record<string, string>> = [];
      for await (const r of readCsv(Readable.from(chunks))) back.push(r);
      expect(back).toEqual(rows);
      const raws: string[] = [];
      for await (const { raw } of readCsvWithRaw(Readable.from(chunks), ['texto'], 'texto')) {
        raws.push(Buffer.from(raw).toString('utf-8'));
      }
      expect(raws).toEqual(rows.map((r) => r.texto));
    }
  });

  it('gives an empty raw value for a record without that field, and needs the raw column to be required', async () => {
    const back: Array<[Record<string, string>, number]> = [];
    for await (const { row, raw } of readCsvWithRaw(
      Readable.from([Buffer.from('a,raw\n1,"x""y"\n2\n')]),
      ['raw'],
      'raw',
    ))
      back.push([row, raw.length]);
    expect(back).toEqual([
      [{ a: '1' }, 3],
      [{ a: '2' }, 0],
    ]);
    await expect(async () => {
      for await (const _ of readCsvWithRaw(Readable.from(['a\n1\n']), [], 'a')) void _;
    }).rejects.toThrow('must be a required column');
    await expect(async () => {
      for await (const _ of readCsvWithRaw(Readable.from(['a\n1\n']), ['raw'], 'raw')) void _;
    }).rejects.toThrow(MissingColumnError);
  });

  it('ends a record at LF, CRLF or the end of the input, and skips blank lines', async () => {
    const rows: string[][] = [];
    for await (const r of parseCsvRecords(Readable.from([Buffer.from('a,b\n\r\n1,"x"\r\n\n2,y\r')]))) rows.push(r);
    expect(rows).toEqual([
      ['a', 'b'],
      ['1', 'x'],
      ['2', 'y'],
    ]);
  });

  it('rejects text after a closing quote', async () => {
    const read = async () => {
      for await (const _ of readCsv(Readable.from([Buffer.from('a,b\r\n"cerrado"x,2\r\n')]))) {
        // consume
      }
    };
    await expect(read()).rejects.toThrow(/text after a closing quote/);
  });

  it('rejects a quote that is never closed', async () => {
    const read = async () => {
      for await (const _ of readCsv(Readable.from(['a,b\r\n"abierto,2\r\n']))) {
        // consume
      }
    };
    await expect(read()).rejects.toThrow(/never closed/);
  });

  it('round-trips awkward texts exactly through the reader', async () => {
    const csv = await rowsToCsv(
      ['id', 'texto'],
      AWKWARD.map((t, i) => ({ id: i, texto: t })),
    );
    expect(csv.startsWith('id,texto\r\n')).toBe(true);
    const back: string[] = [];
    for await (const row of readCsv(Readable.from([csv]), ['id', 'texto'])) back.push(row.texto as string);
    expect(back).toEqual(AWKWARD);
  });

  it('writes pre-encoded fields byte for byte where they stand, between plain fields', async () => {
    const headers = ['a', 'big', 'z'];
    const plain = AWKWARD.map((t, i) => ({ a: i, big: `${t}${'x'.repeat(i * 40_000)}`, z: t }));
    const encoded = plain.map((r) => {
      const bytes = Buffer.from(csvField(r.big), 'utf-8');
      const cut = bytes.length >> 1; // a piece boundary in the middle of a character is fine: bytes are bytes
      return { ...r, big: new EncodedCsvField([bytes.subarray(0, cut), bytes.subarray(cut)]) };
    });
    const expected = await rowsToCsv(headers, plain);
    expect(await rowsToCsv(headers, encoded)).toBe(expected);
    expect(expected.length).toBeGreaterThan(400_000); // spans several 256 KB chunks
  });

  it('hands large pre-encoded pieces over as they are, and never changes bytes it has handed over', async () => {
    // Pieces around the hand-over size (1 KB), between short fields, over several chunks.
    const headers = ['a', 'big', 'z'];
    const sizes = Array.from({ length: 3000 }, (_, i) => (i * 337) % 2600);
    const pieces = sizes.map((n, i) => Buffer.from(String.fromCharCode(97 + (i % 26)).repeat(n)));
    const w = new CsvStreamWriter(headers);
    const seen: { chunk: Buffer; copy: Buffer }[] = [];
    w.stream.on('data', (c: Buffer) => seen.push({ chunk: c, copy: Buffer.from(c) }));
    const ended = new Promise((r) => w.stream.on('end', r));
    for (let i = 0; i < pieces.length; i++)
      await w.writeRow({ a: i, big: new EncodedCsvField([pieces[i] as Buffer]), z: 'x,y' });
    await w.end();
    await ended;
    for (const { chunk, copy } of seen) expect(chunk.equals(copy)).toBe(true);
    const plain = sizes.map((n, i) => ({ a: i, big: String.fromCharCode(97 + (i % 26)).repeat(n), z: 'x,y' }));
    expect(Buffer.concat(seen.map((s) => s.chunk)).toString('utf-8')).toBe(await rowsToCsv(headers, plain));
    const handedOver = new Set(seen.map((s) => s.chunk.buffer));
    const large = pieces.filter((p) => p.length >= 1024);
    expect(large.length).toBeGreaterThan(1000);
    for (const p of large) expect(handedOver.has(p.buffer)).toBe(true);
    expect(pieces.filter((p) => p.length < 1024 && handedOver.has(p.buffer) && p.buffer.byteLength > 8192)).toEqual([]);
  });

  it('waits for a reader that is behind, and fails the writer when the reader gives up', async () => {
    const row = (i: number) => ({ a: i, big: new EncodedCsvField([Buffer.alloc(300_000, 97)]), z: 'x' });
    const w = new CsvStreamWriter(['a', 'big', 'z']);
    // Nobody reads: the writer must stop after a bounded number of pieces.
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < 100; i++) {
        await w.writeRow(row(i));
        written++;
      }
      await w.end();
    })();
    await new Promise((r) => setTimeout(r, 50));
    expect(written).toBeLessThan(40);
    expect(w.stream.readableLength).toBeLessThanOrEqual(w.stream.readableHighWaterMark + 2);
    // A reader comes: everything arrives, in order.
    let bytes = 0;
    for await (const c of w.stream) bytes += (c as Buffer).length;
    await writing;
    expect(written).toBe(100);
    expect(bytes).toBe(w.bytes);
    expect(bytes).toBe(
      'a,big,z\r\n'.length + 100 * 300_000 + [...Array(100).keys()].reduce((n, i) => n + String(i).length + 5, 0),
    );

    // A reader that gives up (as a failed upload destroys its body): the waiting writer fails.
    const v = new CsvStreamWriter(['a', 'big', 'z']);
    const failing = (async () => {
      for (let i = 0; i < 100; i++) await v.writeRow(row(i));
    })();
    await new Promise((r) => setTimeout(r, 20));
    v.stream.destroy();
    await expect(failing).rejects.toThrow('CSV output stream closed');
    await expect(v.writeRow(row(0))).rejects.toThrow('CSV output stream closed');
  });

  it('reads a body written in small chunks back in pieces of ~256 KB, byte for byte (in-memory store)', async () => {
    const chunks = Array.from({ length: 3000 }, (_, i) => Buffer.alloc(1 + ((i * 7919) % 700), 97 + (i % 26)));
    chunks.splice(1500, 0, Buffer.alloc(300_000, 122)); // a large one in the middle stays as it is
    const store = new MemoryObjectStore('b');
    await store.write('k', Readable.from(chunks));
    const pieces: Buffer[] = [];
    for await (const p of (await store.read('k')) as Readable) pieces.push(p as Buffer);
    expect(Buffer.concat(pieces).equals(Buffer.concat(chunks))).toBe(true);
    expect(pieces.length).toBeLessThan(10);
    // Short pieces: only the last and the one before the large chunk.
    expect(pieces.filter((p) => p.length < 256 * 1024).length).toBeLessThanOrEqual(2);
    expect(pieces.some((p) => p.length === 300_000)).toBe(true);
  });

  it('fails naming the first missing required column', async () => {
    const rows = async () => {
      for await (const _ of readCsv(Readable.from(['a,b\r\n1,2\r\n']), ['a', 'c'])) {
        // consume
      }
    };
    await expect(rows()).rejects.toThrow(MissingColumnError);
    await expect(rows()).rejects.toThrow(/"c"/);
  });
});

describe('Parquet', () => {
  it('writes typed columns in row groups that DuckDB reads back identically', async () => {
    const store = new MemoryObjectStore();
    const { stream, sink } = passThroughSink();
    const done = store.write('data.parquet', stream);
    const w = new ParquetRowWriter(
      [
        { name: 'id', type: 'string' },
        { name: 'dia', type: 'date' },
        { name: 'n', type: 'int32' },
        { name: 'big', type: 'int64' },
        { name: 'costo', type: 'double' },
        { name: 'lista', type: 'string_list' },
      ],
      sink,
      3,
    );
    for (let i = 0; i < AWKWARD.length; i++) {
      await w.write({
        id: AWKWARD[i],
        dia: i % 2 ? '2025-08-19' : null,
        n: i,
        big: i * 1e9,
        costo: i / 7,
        lista: [AWKWARD[i], 'x'],
      });
    }
    await w.close();
    await done;
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    writeFileSync(
      join(dir, 'data.parquet'),
      (await store.read('data.parquet')) ? store.objects.get('data.parquet')!.bytes : '',
    );
    const db = await DuckDbEngine.create(async () => join(dir, 'data.parquet'));
    await db.publish('data', 's3://x/data.parquet');
    const types = Object.fromEntries((await db.execute('DESCRIBE data')).map((r) => [r.column_name, r.column_type]));
    expect(types).toEqual({
      id: 'VARCHAR',
      dia: 'DATE',
      n: 'INTEGER',
      big: 'BIGINT',
      costo: 'DOUBLE',
      lista: 'VARCHAR[]',
    });
    const rows = await db.execute('SELECT id, CAST(dia AS VARCHAR) AS dia, n, costo FROM data ORDER BY n');
    expect(rows.map((r) => r.id)).toEqual(AWKWARD);
    expect(rows[1]?.dia).toBe('2025-08-19');
    expect(rows[0]?.dia).toBeNull();
    expect(rows[3]?.costo).toBeCloseTo(3 / 7, 12);
    const unnested = await db.execute(
      "SELECT count(*)::INTEGER AS c FROM (SELECT unnest(lista) AS v FROM data) WHERE v = 'x'",
    );
    expect(unnested[0]?.c).toBe(AWKWARD.length);
    db.close();
  });

  it('writes a valid empty file with the full schema', async () => {
    const store = new MemoryObjectStore();
    const { stream, sink } = passThroughSink();
    const done = store.write('e.parquet', stream);
    const w = new ParquetRowWriter(
      [
        { name: 'a', type: 'string' },
        { name: 'l', type: 'string_list' },
      ],
      sink,
    );
    await w.close();
    await done;
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    writeFileSync(join(dir, 'e.parquet'), store.objects.get('e.parquet')!.bytes);
    const db = await DuckDbEngine.create(async () => join(dir, 'e.parquet'));
    await db.publish('e', 's3://x/e.parquet');
    expect((await db.execute('DESCRIBE e')).map((r) => r.column_name)).toEqual(['a', 'l']);
    expect(await db.execute('SELECT * FROM e')).toEqual([]);
    db.close();
  });
});

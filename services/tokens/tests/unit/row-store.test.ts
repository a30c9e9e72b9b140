import { csvField } from '@catia/shared';
import { CSV_COLUMNS, type TokenRow } from '../../src/tokens/conversation';
import { csvLine, MergeOrderError, RowStore } from '../../src/tokens/row-store';

const HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

function row(create_date: string, pk: string, sk: string, extra: Partial<TokenRow> = {}): TokenRow {
  const r = {} as TokenRow;
  for (const c of CSV_COLUMNS) r[c] = '';
  return { ...r, create_date, pk, sk, input_token: '1', source: 'new_table', ...extra };
}

/** The form the rows had before RowStore: one object per row, a stable Array sort on the key string. */
function reference(rows: TokenRow[]): Buffer {
  const packed = rows.map((r) => ({
    sort: `${r.create_date}\u0000${r.pk}\u0000${r.sk}`,
    line: CSV_COLUMNS.map((c) => csvField(r[c])).join(','),
  }));
  packed.sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  return Buffer.from(HEADER + packed.map((p) => `${p.line}\r\n`).join(''), 'utf-8');
}

async function* each(rows: TokenRow[]) {
  yield* rows;
}

async function written(store: RowStore, sorted?: TokenRow[]): Promise<{ bytes: Buffer; chunks: number[] }> {
  const chunks: Buffer[] = [];
  for await (const c of store.csvChunks(HEADER, sorted && each(sorted))) chunks.push(Buffer.from(c));
  return { bytes: Buffer.concat(chunks), chunks: chunks.map((c) => c.length) };
}

function filled(rows: TokenRow[]): RowStore {
  const store = new RowStore();
  for (const r of rows) store.add(r);
  return store;
}

describe('RowStore', () => {
  it('writes the header and the rows sorted by (create_date, pk, sk), byte for byte as one-object-per-row did', async () => {
    const rows = [
      row('2026-01-10 15:00:00', 'u2', 'u2#CONV#B'),
      row('2025-06-10 15:00:00', 'u9', 'u9#CONV#Z', { source: 'old_table' }),
      row('2026-01-10 15:00:00', 'u1', 'u1#CONV#C'),
      row('2026-01-10 15:00:00', 'u1', 'u1#CONV#A', { price_flags: 'unknown_model:x;unknown_model:"y, z"' }),
    ];
    const store = filled(rows);
    expect(store.size).toBe(4);
    const { bytes } = await written(store);
    expect(bytes.equals(reference(rows))).toBe(true);
    expect(
      bytes
        .toString()
        .split('\r\n')
        .map((l) => l.split(',')[7]),
    ).toEqual(['sk', 'u9#CONV#Z', 'u1#CONV#A', 'u1#CONV#C', 'u2#CONV#B', undefined]);
  });

  it('keeps rows with equal keys in the order they were added', async () => {
    const rows = [
      row('2026-01-01 00:00:00', 'p', 's', { input_token: 'first' }),
      row('2025-01-01 00:00:00', 'p', 's'),
      row('2026-01-01 00:00:00', 'p', 's', { input_token: 'second' }),
      row('2026-01-01 00:00:00', 'p', 's', { input_token: 'third' }),
    ];
    const text = (await written(filled(rows))).bytes.toString();
    expect(text.indexOf(',first,')).toBeLessThan(text.indexOf(',second,'));
    expect(text.indexOf(',second,')).toBeLessThan(text.indexOf(',third,'));
    expect((await written(filled(rows))).bytes.equals(reference(rows))).toBe(true);
  });

  it('orders non-ASCII keys as JavaScript strings compare them, not as their UTF-8 bytes', async () => {
    // U+FF21 sorts after U+1F600's lead surrogate as UTF-16, before it as UTF-8 bytes.
    const rows = [
      row('2026-01-01 00:00:00', 'p\uFF21', 'sk'),
      row('2026-01-01 00:00:00', 'p\u{1F600}', 'sk'),
      row('2026-01-01 00:00:00', 'pé', 'sk', { model: 'ñandú "modelo", con coma\r\nsalto' }),
      row('2026-01-01 00:00:00', 'p', 'sk\u0000x'),
      row('2026-01-01 00:00:00', 'p', 'sk'),
    ];
    expect((await written(filled(rows))).bytes.equals(reference(rows))).toBe(true);
  });

  it('orders random keys over awkward characters exactly as strings compare them', async () => {
    // ASCII, NUL, a 2-byte char, the last unit before surrogates, a private-use char, U+FF21, an
    // emoji, and lone surrogates (which UTF-8 cannot hold): mixed in keys of shared prefixes.
    const alphabet = ['a', 'b', '\u0000', '#', 'é', '\uD7FF', '\uE000', '\uFF21', '\u{1F600}', '\uD800', '\uDC00'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = () => Array.from({ length: 1 + rand(4) }, () => alphabet[rand(alphabet.length)]).join('');
    const rows: TokenRow[] = [];
    for (let i = 0; i < 2000; i++)
      rows.push(
        row(`2026-01-0${1 + rand(3)} 00:00:00`, `u${word()}`, `${word()}#CONV#${word()}`, { input_token: String(i) }),
      );
    const store = filled(rows.slice(0, 1500));
    const later = reference(rows.slice(1500)); // sorted, as the archival CSV is
    const laterSorted = later
      .toString()
      .split('\r\n')
      .slice(1, -1)
      .map((l) => Number(l.split(',')[1]))
      .map((i) => rows[i] as TokenRow);
    expect((await written(store)).bytes.equals(reference(rows.slice(0, 1500)))).toBe(true);
    expect((await written(store, laterSorted)).bytes.equals(reference(rows))).toBe(true);
    const isHeld = store.keyLookup();
    for (const [i, r] of rows.entries()) {
      const held = rows.slice(0, 1500).some((h) => h.pk === r.pk && h.sk === r.sk);
      expect([i, isHeld(r.pk, r.sk)]).toEqual([i, held]);
    }
  });

  it('sorts random rows like the reference: quoted, short, NUL and shared-prefix keys, with and without surrogates', async () => {
    // Keys are compared first by their first 18 bytes, then in full: keys shorter than that, equal
    // over it, or holding NUL (the separator) must still sort as the strings do. Fields that need
    // quoting are not their CSV bytes, so such keys are compared as strings.
    const plain = ['a', 'b', '0', '9', ' ', ':', '-', '\u0000', 'é', '\uFF21', '\u007F'];
    const quoting = [',', '"', '\r', '\n'];
    const surrogate = ['\u{1F600}', '\uD800'];
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const extra of [[], quoting, surrogate, [...quoting, ...surrogate]]) {
      const alphabet = [...plain, ...extra];
      const word = (max: number) =>
        Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]).join('');
      const rows: TokenRow[] = [];
      for (let i = 0; i < 3000; i++) {
        const date = ['2026-01-01 00:00:0', '2026-01-01 00:00:', '2026-01-0', '2026', ''][rand(5)] as string;
        rows.push(
          row(
            `${date}${word(3)}`,
            `${['', 'u', 'user-00000000000'][rand(3)]}${word(3)}`,
            `${word(2)}${['', '#C'][rand(2)]}${word(3)}`,
            {
              input_token: String(i),
              model: word(4),
              price_flags: word(2),
            },
          ),
        );
      }
      const store = filled(rows);
      expect((await written(store)).bytes.equals(reference(rows))).toBe(true);
      const isHeld = store.keyLookup();
      const keys = new Set(rows.map((r) => `${r.pk}\u0000${r.sk}`));
      for (let i = 0; i < 3000; i++) {
        const pk = i % 2 ? (rows[i]?.pk as string) : `u${word(3)}`;
        const sk = i % 2 ? (rows[i]?.sk as string) : `${word(2)}#C${word(3)}`;
        expect([pk, sk, isHeld(pk, sk)]).toEqual([pk, sk, keys.has(`${pk}\u0000${sk}`)]);
      }
    }
  });

  it('drains the same bytes as csvChunks over its own buffers, then holds nothing', async () => {
    // Rows of a month share buffers that become the output (a month over 8 MB is copied); odd
    // create_dates (short, non-ASCII) and keys held as strings take the copying path. Both must give the reference bytes.
    let seed = 3;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const day = () => `2026-0${1 + rand(3)}-1${rand(10)} 0${rand(10)}:00:0${rand(10)}`;
    const sets: TokenRow[][] = [[], [], [], []];
    for (let i = 0; i < 20_000; i++) {
      const r = row(day(), `user-${rand(500)}`, `user-${rand(500)}#CONV#${rand(10)}`, {
        input_token: String(i),
        model: 'x'.repeat(rand(300)),
      });
      (sets[0] as TokenRow[]).push(r);
      (sets[1] as TokenRow[]).push(i === 777 || i === 778 ? { ...r, create_date: i === 777 ? '2026-1' : '2026-0' } : r);
      (sets[2] as TokenRow[]).push(i === 777 ? { ...r, create_date: 'é026-01-01 00:00:00' } : r);
      (sets[3] as TokenRow[]).push(i === 777 ? { ...r, pk: 'u,1' } : r);
    }
    (sets[0] as TokenRow[]).push(
      row('2026-01-15 00:00:00', 'big', 'big#CONV#1', { price_flags: 'z'.repeat(9_000_000) }),
    );
    for (const rows of sets) {
      const store = filled(rows);
      const chunks: Buffer[] = [];
      for await (const c of store.drainCsvChunks(HEADER)) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).equals(reference(rows))).toBe(true);
      expect(store.size).toBe(0);
      expect((await written(store)).bytes.toString()).toBe(HEADER);
      store.add(rows[0] as TokenRow);
      expect((await written(store)).bytes.equals(reference([rows[0] as TokenRow]))).toBe(true);
    }
  });

  it('spreads many rows over several buffers and yields chunks of about 1 MB', async () => {
    const rows: TokenRow[] = [];
    for (let i = 0; i < 12_000; i++) {
      const id = ((i * 7919) % 12_000).toString(36).padStart(4, '0');
      rows.push(
        row(
          `2026-01-${String(1 + (i % 28)).padStart(2, '0')} 00:00:00`,
          `user-${id}`,
          `user-${id}#CONV#${'x'.repeat(200)}`,
        ),
      );
    }
    const { bytes, chunks } = await written(filled(rows));
    expect(bytes.length).toBeGreaterThan(3 * 2 ** 20);
    expect(bytes.equals(reference(rows))).toBe(true);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(2 ** 20);
    expect(chunks.length).toBeGreaterThan(3);
  });

  it('holds a line longer than a buffer whole', async () => {
    const rows = [
      row('2026-01-02 00:00:00', 'a', 'a#CONV#1'),
      row('2026-01-01 00:00:00', 'b', 'b#CONV#2', { price_flags: 'ü'.repeat(700_000) }),
      row('2026-01-03 00:00:00', 'c', 'c#CONV#3'),
    ];
    const { bytes, chunks } = await written(filled(rows));
    expect(bytes.equals(reference(rows))).toBe(true);
    expect(Math.max(...chunks)).toBeGreaterThan(2 ** 20);
  });

  it('writes only the header when it holds no rows', async () => {
    expect((await written(new RowStore())).bytes.toString()).toBe(HEADER);
  });

  it('knows the (pk, sk) of every row it holds, whatever the length of create_date, and no other', () => {
    const held: TokenRow[] = [
      row('2026-01-01 00:00:00', 'u1', 'u1#CONV#A'),
      row('', 'u2', 'u2#CONV#B'),
      row('+012026-01-01 00:00:00', 'u3', 'u3#CONV#C\u0000D'),
      row('2026-01-01 00:00:00 \u{1F600}', 'u4', 'u4#CONV#E'),
      row('2026-01-01 00:00:00', 'u5\u{1F600}', 'u5#CONV#F'),
    ];
    for (let i = 0; i < 5000; i++) held.push(row('2026-01-01 00:00:00', `user-${i}`, `user-${i}#CONV#${i * 31}`));
    const isHeld = filled(held).keyLookup();
    for (const r of held) expect([r.pk, r.sk, isHeld(r.pk, r.sk)]).toEqual([r.pk, r.sk, true]);
    const others: [string, string][] = [
      ['u1', 'u1#CONV#B'],
      ['u1\u0000u1', '#CONV#A'],
      ['u3', 'u3#CONV#C'],
      ['u4\u{1F600}', 'u4#CONV#E'],
      ['u5\uD83D', 'u5#CONV#F'],
      ['', ''],
    ];
    for (let i = 0; i < 5000; i++) others.push([`user-${i}`, `user-${i}#CONV#${i * 31 + 1}`]);
    for (const [pk, sk] of others) expect([pk, sk, isHeld(pk, sk)]).toEqual([pk, sk, false]);
  });

  it('merges rows given in key order after the held ones on equal keys, in the order given', async () => {
    const held = [
      row('2026-01-02 00:00:00', 'b', 'b#CONV#1', { input_token: 'held-b' }),
      row('2026-01-01 00:00:00', 'a', 'a#CONV#1', { input_token: 'held-a' }),
    ];
    const sorted = [
      row('2025-12-31 00:00:00', 'z', 'z#CONV#0', { source: 'old_table' }),
      row('2026-01-01 00:00:00', 'a', 'a#CONV#1', { input_token: 'old-a1', source: 'old_table' }),
      row('2026-01-01 00:00:00', 'a', 'a#CONV#1', { input_token: 'old-a2', source: 'old_table' }),
      row('2026-01-03 00:00:00', 'c', 'c#CONV#1', { source: 'old_table' }),
    ];
    const { bytes } = await written(filled(held), sorted);
    expect(bytes.equals(reference([...held, ...sorted]))).toBe(true);
    expect(bytes.toString().match(/held-a|old-a1|old-a2|held-b/g)).toEqual(['held-a', 'old-a1', 'old-a2', 'held-b']);
    expect((await written(new RowStore(), sorted)).bytes.equals(reference(sorted))).toBe(true);
  });

  it('refuses rows to merge that are out of key order', async () => {
    const sorted = [row('2026-01-02 00:00:00', 'a', 'a#CONV#1'), row('2026-01-01 00:00:00', 'b', 'b#CONV#1')];
    await expect(written(filled([row('2026-01-01 00:00:00', 'c', 'c')]), sorted)).rejects.toBeInstanceOf(
      MergeOrderError,
    );
  });

  it('formats a line as RFC 4180 fields in column order', () => {
    expect(csvLine(row('2026-01-01 00:00:00', 'p', 's', { model: 'a,"b"' }))).toBe(
      `2026-01-01 00:00:00,1,,,,,p,s,new_table,,,,"a,""b""",,,,,\r\n`,
    );
  });
});

import { csvField, JsonTextList, rowsToCsv, worstJsonCsvBytes } from '@catia/shared';
import { generateCatiaItems } from '../../../../scripts/lib/sample-data';
import { ByteArena } from '../../src/normalize/byte-arena';
import { readConversation, renderConversation } from '../../src/normalize/items';

/** A conversation read, then rendered (into `arena` when given), as normalize keeps it. */
const readAndRender = (raw: unknown, arena?: ByteArena) => {
  const c = readConversation(raw);
  return 'error' in c ? c : { ...c, ...renderConversation(c, arena) };
};

/**
 * A rendering without its separator flag, after checking the flag's promise: a `,` right after the
 * bytes in their memory (only renderings into an arena make it).
 */
const rendering = (c: ReturnType<typeof readAndRender>, viaArena: boolean) => {
  if ('error' in c) return c;
  const { commaAfter, ...rest } = c;
  if (!viaArena) expect(commaAfter).toBe(false);
  if (commaAfter) expect(new Uint8Array(c.csv.buffer, c.csv.byteOffset + c.csv.length, 1)[0]).toBe(44);
  return rest;
};

const reference = (s: string) => Buffer.from(JSON.stringify(s).replaceAll('"', '""'), 'utf-8');

let seed = 3;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return Math.floor(seed / 65_536) % n; // the high bits: an LCG's low bits repeat quickly
};
// Every class of UTF-16 unit the encoder treats apart: ASCII, quote, backslash, each control
// escape, DEL, 2- and 3-byte characters, U+2028, surrogate pairs and lone surrogates.
const UNITS = [
  'a',
  ' ',
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\x00',
  '\x1f',
  '\x7f',
  'é',
  'ñ',
  '€',
  '\u2028',
  '🏠',
  '\ud83c',
  '\udfe0',
  '\uffff',
];
const randomText = () => Array.from({ length: rnd(40) }, () => UNITS[rnd(UNITS.length)]).join('');

describe('conversation rendering', () => {
  it('writes each text as JSON with doubled quotes, byte for byte as JSON.stringify + replaceAll', () => {
    const arena = new ByteArena(1 << 16);
    for (let i = 0; i < 20_000; i++) {
      const t = randomText();
      expect(arena.begin(worstJsonCsvBytes(t.length))).toBe(true);
      arena.jsonCsv(t);
      const got = arena.end();
      expect(got.length).toBeLessThanOrEqual(worstJsonCsvBytes(t.length));
      if (!got.equals(reference(t))) expect([t, got.toString('utf-8')]).toEqual([t, reference(t).toString('utf-8')]);
    }
  });

  it('writes lists of texts as the CSV field of their JSON, byte for byte as csvField(JSON.stringify)', async () => {
    const lists = Array.from({ length: 3000 }, (_, i) =>
      Array.from({ length: rnd(i % 100 === 0 ? 200 : 5) }, randomText),
    );
    lists.push([randomText().repeat(3000)]); // over a chunk: the fallback
    const rows = lists.map((list, i) => ({ id: i, list: new JsonTextList(list) }));
    const plain = lists.map((list, i) => ({ id: i, list: JSON.stringify(list) }));
    expect(await rowsToCsv(['id', 'list'], rows)).toBe(await rowsToCsv(['id', 'list'], plain));
    for (const list of lists.slice(0, 50)) {
      const one = await rowsToCsv(['l'], [{ l: new JsonTextList(list) }]);
      expect(one).toBe(`l\r\n${csvField(JSON.stringify(list))}\r\n`);
    }
  });

  it('never writes a conversation past the room it asked for (texts whose escapes take the most bytes)', () => {
    // A 4 KB slab: conversations of user messages whose texts are control characters (6 bytes
    // each, the estimate's worst case, so the estimate is exact but for the framing) land at every
    // offset; an underestimate would end past a slab and throw instead of being cut short.
    const arena = new ByteArena(1 << 12);
    for (let i = 0; i < 5000; i++) {
      const conv = Array.from({ length: 1 + rnd(20) }, () => ({ from: 'user', text: '\u001f'.repeat(rnd(4)) }));
      const fast = readAndRender(conv, arena);
      expect(rendering(fast, true)).toEqual(rendering(readAndRender(conv), false));
    }
  });

  it('writes every message time as toISOString writes it, copying canonical ones', () => {
    const fechas = (ts: unknown) => {
      const c = readAndRender([{ from: 'user', text: 'x', timestamp: ts }], new ByteArena(1 << 12));
      if ('error' in c) throw new Error(c.error);
      return (JSON.parse(c.csv.toString('utf-8').replaceAll('""', '"')) as { fecha: string | null }[])[0]?.fecha;
    };
    expect(fechas('2025-09-01T10:00:00Z')).toBe('2025-09-01T10:00:00Z');
    expect(fechas('2025-09-01T10:00:00.578Z')).toBe('2025-09-01T10:00:00.578Z');
    expect(fechas('2025-09-01T10:00:00.000Z')).toBe('2025-09-01T10:00:00Z');
    expect(fechas('2025-09-01T24:00:00Z')).toBe('2025-09-02T00:00:00Z'); // end of day: the same instant
    expect(fechas('2025-09-01 10:00')).toBe('2025-09-01T10:00:00Z');
    expect(fechas(1_756_720_800)).toBe('2025-09-01T10:00:00Z');
    expect(fechas('2025-02-30T10:00:00Z')).toBeNull();
  });

  it('renders the same bytes through the arena as without it, on the sample and on huge texts', () => {
    const arena = new ByteArena(1 << 16); // small slabs: many slab changes, and large conversations fall back
    const convs: unknown[] = [];
    for (const item of generateCatiaItems({ users: 400, seed: 11 }))
      if (item.Conversation) convs.push(item.Conversation);
    convs.push([{ from: 'user', text: 'x"'.repeat(20_000), timestamp: '2025-09-01T00:00:00.5Z' }]);
    convs.push([{ from: 'bot', text: randomText(), timestamp: 1_756_684_800 }]);
    let viaArena = 0;
    for (const c of convs) {
      const plain = readAndRender(c);
      const fast = readAndRender(c, arena);
      expect(rendering(fast, true)).toEqual(rendering(plain, false));
      if (Array.isArray(c) && 'csv' in fast) {
        const back = JSON.parse(fast.csv.toString('utf-8').replaceAll('""', '"')) as { texto: string }[];
        expect(back.map((m) => m.texto)).toEqual(c.map((m: { text: string }) => m.text));
      }
      if ('csv' in fast && fast.csv.buffer !== (plain as { csv: Buffer }).csv.buffer) viaArena++;
    }
    expect(convs.length).toBeGreaterThan(500);
    expect(viaArena).toBeGreaterThan(500);
  });

  it('renders only the conversation last read, once', () => {
    const a = readConversation([{ from: 'user', text: 'uno' }]);
    const b = readConversation([{ from: 'bot', text: 'dos' }]);
    if ('error' in a || 'error' in b) throw new Error('unreadable');
    expect(() => renderConversation(a)).toThrow('not the conversation last read');
    expect(renderConversation(b).csv.toString()).toBe('[{""rol"":""bot"",""texto"":""dos"",""fecha"":null}]');
    expect(() => renderConversation(b)).toThrow('not the conversation last read');
  });
});

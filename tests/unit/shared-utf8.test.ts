import { encodeUtf8 } from '@catia/shared/csv';

/** What `Buffer#write` (the native encoder the CSV writer uses for long strings) writes. */
function native(s: string): Buffer {
  const out = Buffer.alloc(s.length * 3);
  return out.subarray(0, out.write(s, 0));
}

function encoded(s: string, at = 0): Buffer {
  const out = Buffer.alloc(at + s.length * 3);
  const n = encodeUtf8(s, out, at);
  return out.subarray(at, at + n);
}

/** Deterministic random strings drawn from every UTF-16 range, lone and swapped surrogates included. */
function randomStrings(count: number, seed = 11): string[] {
  let x = seed;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    return x >>> 8;
  };
  const ranges: [number, number][] = [
    [0x00, 0x80],
    [0x80, 0x800],
    [0x800, 0xd800],
    [0xd800, 0xdc00],
    [0xdc00, 0xe000],
    [0xe000, 0x10000],
  ];
  const strings: string[] = [];
  for (let k = 0; k < count; k++) {
    const units: number[] = [];
    const length = next() % 40;
    for (let i = 0; i < length; i++) {
      const [lo, hi] = ranges[next() % ranges.length]!;
      units.push(lo + (next() % (hi - lo)));
    }
    strings.push(String.fromCharCode(...units));
  }
  return strings;
}

describe('encodeUtf8', () => {
  it.each([
    ['empty', ''],
    ['ASCII', 'usuario-000123@example.co'],
    ['two-byte', 'Bogotá, ñandú, ¿qué?'],
    ['three-byte', '€ עברית \u200f 中文'],
    ['a surrogate pair', 'casa 🏠 ✅ 👩‍👩‍👧'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
    ['a high surrogate at the end', 'abc\ud83d'],
    ['swapped surrogates', '\udc00\ud800'],
    ['the edges of each length', '\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}'],
  ])('writes %s as Buffer#write does', (_case, s) => {
    expect(encoded(s)).toEqual(native(s));
  });

  it('writes 5,000 random strings from every UTF-16 range as Buffer#write does', () => {
    const differing = randomStrings(5000).filter((s) => !encoded(s, 3).equals(native(s)));
    expect(differing).toEqual([]);
  });

  it('writes at the offset given, and nothing past the bytes it reports', () => {
    const out = Buffer.alloc(16, 0xaa);
    expect(encodeUtf8('ñ🏠', out, 5)).toBe(6);
    expect([...out]).toEqual([0xaa, 0xaa, 0xaa, 0xaa, 0xaa, ...native('ñ🏠'), ...Array(5).fill(0xaa)]);
  });
});

import { PythonLiteralError, parseLooseLiteral, parsePythonLiteral } from '../../src/normalize/python-literal';

/** Python's `repr()` of a str: single quotes unless the text has ' and no ", escapes as CPython writes them. */
function reprStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

function repr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return reprStr(v);
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${reprStr(k)}: ${repr(x)}`)
    .join(', ')}}`;
}

let seed = 42;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return Math.floor(seed / 65_536) % n; // the high bits: an LCG's low bits repeat quickly
};
const PIECES = ['a', 'ñ', 'á', ' ', "'", '"', '\\', '\n', '\r', '\t', '\x01', '🏠', '|', ',', '{', ']', 'None', 'x\\n'];
const randomText = () => Array.from({ length: rnd(12) }, () => PIECES[rnd(PIECES.length)]).join('');
function randomValue(depth: number): unknown {
  const k = rnd(depth > 2 ? 4 : 7);
  if (k === 0) return randomText();
  if (k === 1) return rnd(2) ? rnd(100000) - 500 : (rnd(100000) - 500) / 8;
  if (k === 2) return [true, false, null][rnd(3)];
  if (k === 3) return randomText();
  if (k === 4) return Array.from({ length: rnd(4) }, () => randomValue(depth + 1));
  return Object.fromEntries(Array.from({ length: rnd(4) }, () => [randomText(), randomValue(depth + 1)]));
}

describe('Python literals', () => {
  it('reads back what repr() writes, for random nested values with every escape', () => {
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(0);
      expect(parsePythonLiteral(repr(v))).toEqual(v);
    }
  });

  it('reads tuples, \\u escapes, spacing and trailing commas', () => {
    expect(parsePythonLiteral("( 'a' ,\t'b\\u00e9', )")).toEqual(['a', 'bé']);
    expect(parsePythonLiteral("{'k': [1, 2,], }")).toEqual({ k: [1, 2] });
  });

  it('fails on unterminated strings, trailing text and unknown tokens', () => {
    for (const bad of ["{'a': 'b}", "['x'] y", '{a: 1}', "['x\\'"]) {
      expect(() => parsePythonLiteral(bad)).toThrow(PythonLiteralError);
    }
  });

  it('takes JSON first, Python second, and neither as undefined', () => {
    expect(parseLooseLiteral('{"a": "b"}')).toEqual({ a: 'b' });
    expect(parseLooseLiteral("{'a': \"it's\"}")).toEqual({ a: "it's" });
    expect(parseLooseLiteral('[\'a\', "b"]')).toEqual(['a', 'b']);
    expect(parseLooseLiteral("{'a': True}")).toEqual({ a: true });
    expect(parseLooseLiteral('{"a": True}')).toEqual({ a: true });
    expect(parseLooseLiteral('no es nada')).toBeUndefined();
    expect(parseLooseLiteral('  ')).toBeUndefined();
  });
});

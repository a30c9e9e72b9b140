/**
 * A strict parser for Python literals as `repr()` writes them (`{'nombre': 'Ana', 'n': 1}`):
 * dicts, lists, tuples, single- or double-quoted strings with escapes, numbers, True/False/None.
 * Anything else is an error — no quote-swapping regex, so a text with an apostrophe survives.
 */
export class PythonLiteralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PythonLiteralError';
  }
}

export function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const s = text;
  const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
  const ws = () => {
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  };
  const fail = (what: string): never => {
    throw new PythonLiteralError(`${what} at offset ${i}`);
  };

  const str = (): string => {
    const q = s.charCodeAt(i);
    i++;
    let out = '';
    while (i < s.length) {
      // Copy the run up to the next quote or backslash in one slice.
      let j = i;
      let c = s.charCodeAt(j);
      while (c !== q && c !== 92 && j < s.length) c = s.charCodeAt(++j);
      if (j > i) {
        out += s.slice(i, j);
        i = j;
        continue;
      }
      if (c === q) {
        i++;
        return out;
      }
      // A backslash escape.
      const n = s[i + 1];
      i += 2;
      switch (n) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case '\\':
        case "'":
        case '"':
          out += n;
          break;
        case 'x':
          out += String.fromCharCode(Number.parseInt(s.slice(i, i + 2), 16));
          i += 2;
          break;
        case 'u':
          out += String.fromCharCode(Number.parseInt(s.slice(i, i + 4), 16));
          i += 4;
          break;
        case 'U':
          out += String.fromCodePoint(Number.parseInt(s.slice(i, i + 8), 16));
          i += 8;
          break;
        default:
          out += `\\${n ?? ''}`;
      }
    }
    return fail('unterminated string');
  };

  const value = (): unknown => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (s[i] === '}') {
        i++;
        return obj;
      }
      while (true) {
        const k = value();
        if (typeof k !== 'string' && typeof k !== 'number') fail('dict key must be a string or number');
        ws();
        if (s[i] !== ':') fail('expected :');
        i++;
        obj[String(k)] = value();
        ws();
        if (s[i] === ',') {
          i++;
          ws();
          if (s[i] === '}') {
            i++;
            return obj;
          }
          continue;
        }
        if (s[i] === '}') {
          i++;
          return obj;
        }
        fail('expected , or }');
      }
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const arr: unknown[] = [];
      ws();
      if (s[i] === close) {
        i++;
        return arr;
      }
      while (true) {
        arr.push(value());
        ws();
        if (s[i] === ',') {
          i++;
          ws();
          if (s[i] === close) {
            i++;
            return arr;
          }
          continue;
        }
        if (s[i] === close) {
          i++;
          return arr;
        }
        fail(`expected , or ${close}`);
      }
    }
    if (c === "'" || c === '"') return str();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (s.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i, i + 40));
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail('unexpected character');
  };

  const v = value();
  ws();
  if (i !== s.length) fail('trailing characters');
  return v;
}

/**
 * A JSON string, or failing that a Python literal; `undefined` when neither parses. A text whose
 * first string is single-quoted (`{'…` / `['…`) cannot be JSON, so it goes to the Python parser
 * first (saving a failed `JSON.parse` and its exception).
 */
export function parseLooseLiteral(text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  const pythonFirst = (t.charCodeAt(0) === 123 || t.charCodeAt(0) === 91) && t.charCodeAt(1) === 39;
  const [first, second] = pythonFirst ? [parsePythonLiteral, JSON.parse] : [JSON.parse, parsePythonLiteral];
  try {
    return first(t);
  } catch {
    try {
      return second(t);
    } catch {
      return undefined;
    }
  }
}

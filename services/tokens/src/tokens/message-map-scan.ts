/**
 * The `chars/4` reading of a MessageMap without building the JSON tree.
 *
 * `chars/4` needs, per counted text, only its length in code points after JSON decoding. So the
 * text is read in two passes over its bytes: {@link tokenize} validates it as `JSON.parse` would
 * and records each value as a token (a string with its decoded lengths, measured where it lies: an
 * escape counts as the character it decodes to); then the walk reads the tokens the way
 * `readMessageMap` reads the parsed objects (`countContent`, `toolResultText`; the comments name
 * the reference behaviour each branch reproduces), skipping whatever it does not need in one step.
 *
 * The result equals `tokenCountsOf(readMessageMap(JSON.parse(text), charsPer4))`, node for node, or
 * is `undefined` when the text leaves the subset handled here: not ASCII (Python's `json.dumps`
 * writes ASCII), not valid JSON, a map the reference rejects, a name that matters written with
 * escapes, a key given twice, an integer-like node id (`Object.entries` would move it first),
 * nesting deeper than {@link MAX_DEPTH}. The caller then runs the reference reader, which gives the
 * same figures or the rejection reason.
 */
import { Buffer, isAscii } from 'node:buffer';
import type { NodeCounts, TokenCounts } from './message-map';

/**
 * Thrown (always this one instance) to leave the text to the reference reader. It is thrown by
 * `throw` statements, not through a helper: a call that never ran would make optimized code deoptimize.
 */
class ScanBailError extends Error {
  override name = 'ScanBailError';
}
const BAIL = new ScanBailError('outside the scanner subset');

const MAX_DEPTH = 512;
const Q = 0x22; // "
const BS = 0x5c; // \
/** The top bit of each byte of a 32-bit word, as an int32. */
const TOPS = 0x80808080 | 0;
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

// The text. A scan is synchronous, so one set of module variables serves every call.

/** The text's bytes in a buffer of their own (offset 0), also seen as 32-bit words to test 4 bytes at once. */
let b = Buffer.from(new ArrayBuffer(1 << 16));
let words = new Int32Array(b.buffer);
let end = 0;

function load(src: string | Uint8Array): boolean {
  const n = src.length;
  // 3 bytes per unit: the UTF-8 write of a non-ASCII string then never stops at exactly `n` bytes.
  const need = (typeof src === 'string' ? 3 * n : n) + 8;
  if (b.length < need) {
    b = Buffer.from(new ArrayBuffer((Math.max(need, 2 * b.length) + 3) & ~3));
    words = new Int32Array(b.buffer);
  }
  if (typeof src === 'string') {
    if (b.write(src, 0, 'utf8') !== n) return false;
  } else {
    if (!isAscii(src)) return false;
    b.set(src, 0);
  }
  end = n;
  // Zero bytes after the text end every loop without bounds checks (no JSON token accepts them) and
  // keep stale bytes out of the last word tested.
  for (let i = end; i < end + 4; i++) b[i] = 0;
  return true;
}

// Tokens: one per value (object, array, string, number, literal) and per key, in text order.

const OBJECT = 1;
const ARRAY = 2;
const STRING = 3;
const NUMBER = 4;
const TRUE = 5;
const FALSE = 6;
const NULL = 7;

let capacity = 0;
let kind = new Uint8Array(0);
/** Strings: index of their first byte (after the quote); numbers: of their first byte. */
let first = new Int32Array(0);
/** Strings: index of the closing quote; numbers: index after them; objects and arrays: index of the token after them. */
let last = new Int32Array(0);
/** Strings: code points after decoding (what `charsPer4` counts). */
let points = new Int32Array(0);
/** Strings: UTF-16 units after decoding. */
let units = new Int32Array(0);
/** Strings: length of `JSON.stringify` of the decoded string. */
let jsonUnits = new Int32Array(0);
/** Numbers: the value when it is a non-negative integer below 1e15 written plainly, else -1. */
let plain = new Float64Array(0);
const stack = new Int32Array(MAX_DEPTH);

function grow(): void {
  // Room for the tokens of most maps from the start; doubled for larger ones.
  capacity = capacity ? 2 * capacity : 4096;
  const k = new Uint8Array(capacity);
  k.set(kind);
  kind = k;
  const f = new Int32Array(capacity);
  f.set(first);
  first = f;
  const l = new Int32Array(capacity);
  l.set(last);
  last = l;
  const p = new Int32Array(capacity);
  p.set(points);
  points = p;
  const u = new Int32Array(capacity);
  u.set(units);
  units = u;
  const j = new Int32Array(capacity);
  j.set(jsonUnits);
  jsonUnits = j;
  const v = new Float64Array(capacity);
  v.set(plain);
  plain = v;
}
grow();

// Escape tallies of the string being read: raw bytes they take, escapes, surrogate pairs, and the
// JSON.stringify length of the units they decode to.
let eRaw = 0;
let eCount = 0;
let ePairs = 0;
let eJson = 0;
/** Index right after the last `\uD800`–`\uDBFF` escape, to pair it with a low half that follows at once. */
let eHighEnd = -1;

/** The escape at `i` (a backslash): validates it, updates the tallies, returns the index after it. */
function readEscape(i: number): number {
  const e = b[i + 1]!;
  if (e === 0x75) {
    const h1 = HEX[b[i + 2]!]!;
    const h2 = HEX[b[i + 3]!]!;
    const h3 = HEX[b[i + 4]!]!;
    const h4 = HEX[b[i + 5]!]!;
    if ((h1 | h2 | h3 | h4) < 0) throw BAIL;
    const v = (h1 << 12) | (h2 << 8) | (h3 << 4) | h4;
    eRaw += 6;
    eCount++;
    if (v >= 0xdc00 && v <= 0xdfff && eHighEnd === i) {
      // A low half right after a high half: one code point, which JSON.stringify writes as is
      // (the high half was counted as a 6-character escape).
      ePairs++;
      eJson -= 5;
      eHighEnd = -1;
    } else {
      if (v >= 0xd800 && v <= 0xdbff) eHighEnd = i + 6;
      if (v >= 0xd800 && v <= 0xdfff) eJson += 6;
      else if (v === Q || v === BS || v === 0x08 || v === 0x09 || v === 0x0a || v === 0x0c || v === 0x0d) eJson += 2;
      else if (v < 0x20) eJson += 6;
      else eJson += 1;
    }
    return i + 6;
  }
  if (e === Q || e === BS || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) eJson += 2;
  else if (e === 0x2f) eJson += 1;
  else throw BAIL;
  eRaw += 2;
  eCount++;
  return i + 2;
}

/**
 * The string whose opening quote is at `i`, as token `n`; returns the index after its closing quote.
 * Aligned 4-byte words without a quote, backslash or control byte are passed whole. The text is
 * ASCII, so no byte sum below carries into the next byte: `(x ^ 0x22..) + 0x7f..` has a byte's top
 * bit set exactly when that byte is not a quote, likewise for the backslash, and `x + 0x60..` exactly
 * when the byte is not below 0x20.
 */
function readString(i: number, n: number): number {
  const buf = b;
  const w = words;
  let j = i + 1;
  eRaw = 0;
  eCount = 0;
  ePairs = 0;
  eJson = 0;
  eHighEnd = -1;
  for (;;) {
    if ((j & 3) === 0) {
      for (;;) {
        const x = w[j >> 2]! | 0;
        if ((((x ^ 0x22222222) + 0x7f7f7f7f) & ((x ^ 0x5c5c5c5c) + 0x7f7f7f7f) & (x + 0x60606060) & TOPS) !== TOPS)
          break;
        j += 4;
      }
    }
    const c = buf[j]!;
    if (c === Q) break;
    if (c === BS) j = readEscape(j);
    else if (c < 0x20) throw BAIL;
    else j++;
  }
  const raw = j - i - 1 - eRaw;
  kind[n] = STRING;
  first[n] = i + 1;
  last[n] = j;
  units[n] = raw + eCount;
  points[n] = raw + eCount - ePairs;
  jsonUnits[n] = 2 + raw + eJson;
  return j + 1;
}

/** The number starting at `i` (JSON grammar), as token `n`; returns the index after it. */
function readNumber(i: number, n: number): number {
  const buf = b;
  first[n] = i;
  let c = buf[i]!;
  let simple = true;
  if (c === 0x2d) {
    simple = false;
    c = buf[++i]!;
  }
  let v = 0;
  let digits = 0;
  if (c === 0x30) c = buf[++i]!;
  else if (c >= 0x31 && c <= 0x39) {
    do {
      v = v * 10 + (c - 0x30);
      digits++;
      c = buf[++i]!;
    } while (c >= 0x30 && c <= 0x39);
  } else throw BAIL;
  if (digits > 15) simple = false;
  if (c === 0x2e) {
    c = buf[++i]!;
    if (c < 0x30 || c > 0x39) throw BAIL;
    do {
      if (c !== 0x30) simple = false;
      c = buf[++i]!;
    } while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    simple = false;
    c = buf[++i]!;
    if (c === 0x2b || c === 0x2d) c = buf[++i]!;
    if (c < 0x30 || c > 0x39) throw BAIL;
    do c = buf[++i]!;
    while (c >= 0x30 && c <= 0x39);
  }
  kind[n] = NUMBER;
  last[n] = i;
  plain[n] = simple ? v : -1;
  return i;
}

const S_VALUE = 0;
const S_AFTER = 1;
const S_KEY = 2;
const S_COLON = 3;
const S_FIRST_KEY = 4;
const S_FIRST_VALUE = 5;

/** Tokenizes the whole text, validating it as JSON (RFC 8259, as `JSON.parse` reads it). */
function tokenize(): void {
  const buf = b;
  let i = 0;
  let n = 0;
  let sp = 0;
  let state = S_VALUE;
  for (;;) {
    let c = buf[i]!;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++i]!;
    if (state === S_AFTER) {
      if (sp === 0) {
        if (i !== end) throw BAIL;
        break;
      }
      const open = stack[sp - 1]!;
      if (c === 0x2c) {
        i++;
        state = kind[open] === OBJECT ? S_KEY : S_VALUE;
      } else if ((c === 0x7d && kind[open] === OBJECT) || (c === 0x5d && kind[open] === ARRAY)) {
        last[open] = n;
        sp--;
        i++;
      } else throw BAIL;
      continue;
    }
    if (state === S_COLON) {
      if (c !== 0x3a) throw BAIL;
      i++;
      state = S_VALUE;
      continue;
    }
    if (state === S_FIRST_KEY || state === S_FIRST_VALUE) {
      if (c === (state === S_FIRST_KEY ? 0x7d : 0x5d)) {
        last[stack[--sp]!] = n;
        i++;
        state = S_AFTER;
        continue;
      }
      state = state === S_FIRST_KEY ? S_KEY : S_VALUE;
    }
    if (n === capacity) grow();
    if (state === S_KEY) {
      if (c !== Q) throw BAIL;
      i = readString(i, n++);
      state = S_COLON;
      continue;
    }
    if (c === Q) {
      i = readString(i, n);
      state = S_AFTER;
    } else if (c === 0x7b || c === 0x5b) {
      if (sp === MAX_DEPTH) throw BAIL;
      kind[n] = c === 0x7b ? OBJECT : ARRAY;
      stack[sp++] = n;
      i++;
      state = c === 0x7b ? S_FIRST_KEY : S_FIRST_VALUE;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = readNumber(i, n);
      state = S_AFTER;
    } else if (c === 0x74 && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65) {
      kind[n] = TRUE;
      i += 4;
      state = S_AFTER;
    } else if (c === 0x66 && buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65) {
      kind[n] = FALSE;
      i += 5;
      state = S_AFTER;
    } else if (c === 0x6e && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c) {
      kind[n] = NULL;
      i += 4;
      state = S_AFTER;
    } else throw BAIL;
    n++;
  }
}

// Reading tokens

/** The token after value `t` (objects and arrays record it). */
const after = (t: number): number => (kind[t]! <= ARRAY ? last[t]! : t + 1);

const isString = (t: number): boolean => kind[t] === STRING;

/** String token `t` holds escapes (its bytes are then not its text). */
const escaped = (t: number): boolean => units[t] !== last[t]! - first[t]!;

/** Tokens of string token `t` by `charsPer4`. */
const tokensOf = (t: number): number => points[t]! >> 2;

/** String token `t` is exactly `name` (and has no escape). */
function is(t: number, name: Uint8Array): boolean {
  const s = first[t]!;
  const n = name.length;
  if (last[t]! - s !== n) return false;
  for (let i = 0; i < n; i++) if (b[s + i] !== name[i]) return false;
  return true;
}

/** A key whose name matters: one written with escapes could spell a known name, so it leaves the scan. */
function named(k: number): number {
  if (escaped(k)) throw BAIL;
  return last[k]! - first[k]!;
}

/** True when two spans of the text hold the same bytes. */
function sameBytes(a: number, aEnd: number, c: number, cEnd: number): boolean {
  if (aEnd - a !== cEnd - c) return false;
  for (let i = 0; a + i < aEnd; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}

/** True when string tokens `s` and `t` decode to the same text. */
function sameText(s: number, t: number): boolean {
  if (units[s] !== units[t]) return false;
  let a = first[s]!;
  let c = first[t]!;
  const aEnd = last[s]!;
  if (sameBytes(a, aEnd, c, last[t]!)) return true;
  while (a < aEnd) {
    const u = unitAt(a);
    a = uNext;
    if (unitAt(c) !== u) return false;
    c = uNext;
  }
  return true;
}

let uNext = 0;

/** The UTF-16 unit that the validated string bytes at `i` decode to; `uNext` is the index after it. */
function unitAt(i: number): number {
  const c = b[i]!;
  if (c !== BS) {
    uNext = i + 1;
    return c;
  }
  const e = b[i + 1]!;
  if (e === 0x75) {
    uNext = i + 6;
    return (HEX[b[i + 2]!]! << 12) | (HEX[b[i + 3]!]! << 8) | (HEX[b[i + 4]!]! << 4) | HEX[b[i + 5]!]!;
  }
  uNext = i + 2;
  return e === 0x62 ? 8 : e === 0x66 ? 12 : e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e;
}

/** The value of number token `t`, as `JSON.parse` gives it. */
function numberValue(t: number): number {
  const v = plain[t]!;
  return v >= 0 ? v : Number(b.toString('latin1', first[t], last[t]));
}

/** Code points of `JSON.stringify(JSON.parse(value))` for value token `t`. */
function jsonLength(t: number): number {
  switch (kind[t]) {
    case STRING:
      return jsonUnits[t]!;
    case NUMBER: {
      const v = plain[t]!;
      if (v >= 0) {
        let digits = 1;
        for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
        return digits;
      }
      const value = numberValue(t);
      return Number.isFinite(value) ? String(value).length : 4;
    }
    case TRUE:
    case NULL:
      return 4;
    case FALSE:
      return 5;
    case ARRAY: {
      let len = 1;
      for (let k = t + 1, e = last[t]!; k < e; k = after(k)) len += 1 + jsonLength(k);
      return len === 1 ? 2 : len;
    }
    default: {
      // JSON.parse keeps one member per key: leave keys given twice to the reference.
      let len = 1;
      let members = 0;
      for (let k = t + 1, e = last[t]!; k < e; k = after(k + 1)) {
        if (++members > 256) throw BAIL;
        for (let j = t + 1; j < k; j = after(j + 1)) if (sameText(j, k)) throw BAIL;
        len += jsonUnits[k]! + 2 + jsonLength(k + 1);
      }
      return len === 1 ? 2 : len;
    }
  }
}

// Names

const enc = (s: string) => Buffer.from(s, 'latin1');
const K_ROLE = enc('role');
const K_CONTENT = enc('content');
const K_MODEL = enc('model');
const K_PARENT = enc('parent');
const K_CREATE_TIME = enc('create_time');
const K_THINKING_LOG = enc('thinking_log');
const K_USED_CHUNKS = enc('used_chunks');
const K_CONTENT_TYPE = enc('content_type');
const K_BODY = enc('body');
const K_TEXT = enc('text');
const K_REDACTED = enc('redacted_content');
const K_INPUT = enc('input');
const K_JSON = enc('json');
const K_JSON_ = enc('json_');
const K_IMAGE = enc('image');
const K_DOCUMENT = enc('document');
const SYSTEM = enc('system');
const USER = enc('user');

const T_OTHER = 0;
const T_TEXT = 1;
const T_BINARY = 2;
const T_TOOL_USE = 3;
const T_TOOL_RESULT = 4;
const T_REASONING = 5;
const TYPES: [Uint8Array, number][] = [
  [enc('text'), T_TEXT],
  [enc('image'), T_BINARY],
  [enc('attachment'), T_BINARY],
  [enc('toolUse'), T_TOOL_USE],
  [enc('toolResult'), T_TOOL_RESULT],
  [enc('reasoning'), T_REASONING],
];

/** Roles, and whether their text is billed as input (`INPUT_ROLES` of the reference). */
const ROLES: [Uint8Array, string, boolean][] = [
  [enc('system'), 'system', true],
  [enc('instruction'), 'instruction', true],
  [USER, 'user', true],
  [enc('assistant'), 'assistant', false],
];

/** Model names seen so far, so that a name becomes a string once. */
const models: [Uint8Array, string][] = [];
let lastModel: [Uint8Array, string] | undefined;

/** String token `t` (without escapes) as a model name: the same string object for the same name. */
function modelName(t: number): string {
  if (lastModel && is(t, lastModel[0])) return lastModel[1];
  for (const m of models)
    if (is(t, m[0])) {
      lastModel = m;
      return m[1];
    }
  const s = b.toString('latin1', first[t], last[t]);
  if (models.length < 256) {
    lastModel = [enc(s), s];
    models.push(lastModel);
  }
  return s;
}

// Content items, tallied like `countContent`'s `acc`; the owner's role is applied afterwards.

/** Tokens of text bodies (billed by the owner's role), input and output tokens, binary blocks. */
let aRole = 0;
let aIn = 0;
let aOut = 0;
let aBinary = 0;
/** Every item is an object whose content_type is "text" (the v1.3.1–v2.1 seed test). */
let aAllText = true;
/** Items are inside thinking_log: their reasoning is counted at once and remembered. */
let inLoop = false;
/** Reasoning string tokens of the node's tool loop that have tokens. */
const loopReasoning: number[] = [];
let loopReasoningN = 0;

function resetTally(): void {
  aRole = 0;
  aIn = 0;
  aOut = 0;
  aBinary = 0;
  aAllText = true;
}

/** `content` (`asList`): a list of items, one item (< v0.4.2), null (none) or another scalar (one non-object). */
function content(t: number): void {
  const k = kind[t];
  if (k === ARRAY) {
    for (let i = t + 1, e = last[t]!; i < e; i = after(i)) {
      if (kind[i] === OBJECT) item(i);
      else aAllText = false;
    }
  } else if (k === OBJECT) item(t);
  else if (k !== NULL) aAllText = false;
}

/** One content item (`countContent`). */
function item(t: number): void {
  let type = T_OTHER;
  let seen = 0;
  let body = -1;
  let text = -1;
  let redacted = -1;
  for (let k = t + 1, e = last[t]!; k < e; k = after(k + 1)) {
    const n = named(k);
    if (n === 12 && is(k, K_CONTENT_TYPE)) {
      if (seen & 1) throw BAIL;
      seen |= 1;
      const v = k + 1;
      if (isString(v)) {
        if (escaped(v)) throw BAIL;
        for (const [name, code] of TYPES)
          if (is(v, name)) {
            type = code;
            break;
          }
      }
    } else if (n === 4 && is(k, K_BODY)) {
      if (seen & 2) throw BAIL;
      seen |= 2;
      body = k + 1;
    } else if (n === 4 && is(k, K_TEXT)) {
      if (seen & 4) throw BAIL;
      seen |= 4;
      text = k + 1;
    } else if (n === 16 && is(k, K_REDACTED)) {
      if (seen & 8) throw BAIL;
      seen |= 8;
      redacted = k + 1;
    }
  }
  if (type !== T_TEXT) aAllText = false;
  switch (type) {
    case T_TEXT: // its body (a non-string body counts as "")
    case T_OTHER: // an unknown type with a text body counts as text
      if (body >= 0 && isString(body)) aRole += tokensOf(body);
      return;
    case T_BINARY:
      aBinary++;
      return;
    case T_TOOL_USE: {
      // JSON.stringify((isObj(body) ? body : {}).input ?? {})
      const input = body >= 0 && kind[body] === OBJECT ? member(body, K_INPUT) : -1;
      aOut += (input >= 0 && kind[input] !== NULL ? jsonLength(input) : 2) >> 2;
      return;
    }
    case T_TOOL_RESULT: {
      if (body < 0 || kind[body] !== OBJECT) return;
      const results = member(body, K_CONTENT);
      if (results < 0) return;
      if (kind[results] === ARRAY) {
        for (let i = results + 1, e = last[results]!; i < e; i = after(i)) if (kind[i] === OBJECT) toolResult(i);
      } else if (kind[results] === OBJECT) toolResult(results);
      return;
    }
    case T_REASONING:
      // typeof text === 'string' ? text : '' — texts under 4 code points count 0 wherever they are.
      if (text >= 0 && isString(text) && tokensOf(text) > 0) {
        if (inLoop) {
          aOut += tokensOf(text);
          loopReasoning[loopReasoningN++] = text;
        } else if (!inLoopReasoning(text)) aOut += tokensOf(text);
      }
      if (redacted >= 0 && isString(redacted) && units[redacted]! > 0) aBinary++;
      return;
  }
}

/** Content reasoning already counted in the tool loop (duplicated by app < v3.9) counts once. */
function inLoopReasoning(t: number): boolean {
  for (let i = 0; i < loopReasoningN; i++) if (sameText(loopReasoning[i]!, t)) return true;
  return false;
}

/** The value token of member `name` of object token `t`, or -1; a name given twice leaves the scan. */
function member(t: number, name: Uint8Array): number {
  let found = -1;
  for (let k = t + 1, e = last[t]!; k < e; k = after(k + 1)) {
    named(k);
    if (is(k, name)) {
      if (found >= 0) throw BAIL;
      found = k + 1;
    }
  }
  return found;
}

/** One tool result (`toolResultText`): its text, its JSON (`json ?? json_`), whether it is binary. */
function toolResult(t: number): void {
  let seen = 0;
  let json = -1;
  let json_ = -1;
  let binary = false;
  for (let k = t + 1, e = last[t]!; k < e; k = after(k + 1)) {
    const n = named(k);
    const v = k + 1;
    if (n === 4 && is(k, K_TEXT)) {
      if (seen & 1) throw BAIL;
      seen |= 1;
      if (isString(v)) aIn += tokensOf(v);
    } else if (n === 4 && is(k, K_JSON)) {
      if (seen & 2) throw BAIL;
      seen |= 2;
      json = v;
    } else if (n === 5 && is(k, K_JSON_)) {
      if (seen & 4) throw BAIL;
      seen |= 4;
      json_ = v;
    } else if ((n === 5 && is(k, K_IMAGE)) || (n === 8 && is(k, K_DOCUMENT))) {
      const bit = n === 5 ? 8 : 16;
      if (seen & bit) throw BAIL;
      seen |= bit;
      if (isString(v)) binary = true;
    }
  }
  if (json >= 0 && kind[json] !== NULL) aIn += jsonLength(json) >> 2;
  else if (json_ >= 0 && kind[json_] !== NULL) aIn += jsonLength(json_) >> 2;
  if (binary) aBinary++;
}

// Nodes

let binaryBlocks = 0;

/** The tool loop of the node being read, summed as `NodeCounts` keeps it. */
let loopOut = 0;
let loopIn = 0;
let loopCalls = 0;
let loopSent = 0;

/** One entry of the tool loop with its tokens; entries written by the model are model calls. */
function loopEntry(tokens: number, byModel: boolean): void {
  if (byModel) {
    loopCalls++;
    loopSent += loopOut + loopIn;
    loopOut += tokens;
  } else loopIn += tokens;
}

/** `thinking_log`: a ReAct text (v1.0–v1.3.0) or a list of agent messages (v1.3.1+). */
function thinkingLog(t: number): void {
  if (isString(t)) {
    if (units[t]! > 0) loopEntry(tokensOf(t), true);
    return;
  }
  if (kind[t] !== ARRAY) return;
  inLoop = true;
  let seeded = true;
  for (let i = t + 1, e = last[t]!; i < e; i = after(i)) {
    if (kind[i] !== OBJECT) continue;
    let seen = 0;
    let user = false;
    let items = -1;
    for (let k = i + 1, ke = last[i]!; k < ke; k = after(k + 1)) {
      const n = named(k);
      if (n === 4 && is(k, K_ROLE)) {
        if (seen & 1) throw BAIL;
        seen |= 1;
        const v = k + 1;
        if (isString(v) && escaped(v)) throw BAIL;
        user = isString(v) && is(v, USER);
      } else if (n === 7 && is(k, K_CONTENT)) {
        if (seen & 2) throw BAIL;
        seen |= 2;
        items = k + 1;
      }
    }
    resetTally();
    if (items >= 0) content(items);
    // v1.3.1–v2.1 logs open with the prior conversation as plain text turns: not part of the loop.
    // (An entry with reasoning is never skipped, so its reasoning was rightly remembered.)
    if (seeded && aAllText) continue;
    seeded = false;
    binaryBlocks += aBinary;
    const output = aOut + (user ? 0 : aRole);
    const input = aIn + (user ? aRole : 0);
    if (output) loopEntry(output, true);
    if (input) loopEntry(input, false);
  }
  inLoop = false;
}

/** `used_chunks` (v0.4.8–v2.1): the tokens of each chunk's content. */
function usedChunks(t: number): number {
  if (kind[t] !== ARRAY) return 0;
  let chunks = 0;
  for (let i = t + 1, e = last[t]!; i < e; i = after(i)) {
    if (kind[i] !== OBJECT) continue;
    const c = member(i, K_CONTENT);
    if (c >= 0 && isString(c)) chunks += tokensOf(c);
  }
  return chunks;
}

function node(t: number): NodeCounts {
  let seen = 0;
  let role = -1;
  let items = -1;
  let model = -1;
  let parent = -1;
  let created = -1;
  let log = -1;
  let chunks = -1;
  for (let k = t + 1, e = last[t]!; k < e; k = after(k + 1)) {
    const n = named(k);
    const c0 = b[first[k]!];
    if (n === 4 && is(k, K_ROLE)) {
      if (seen & 1) throw BAIL;
      seen |= 1;
      role = k + 1;
    } else if (n === 7 && is(k, K_CONTENT)) {
      if (seen & 2) throw BAIL;
      seen |= 2;
      items = k + 1;
    } else if (n === 5 && is(k, K_MODEL)) {
      if (seen & 4) throw BAIL;
      seen |= 4;
      model = k + 1;
    } else if (n === 6 && is(k, K_PARENT)) {
      if (seen & 8) throw BAIL;
      seen |= 8;
      parent = k + 1;
    } else if (n === 11 && c0 === 0x63 && is(k, K_CREATE_TIME)) {
      if (seen & 16) throw BAIL;
      seen |= 16;
      created = k + 1;
    } else if (n === 12 && is(k, K_THINKING_LOG)) {
      if (seen & 32) throw BAIL;
      seen |= 32;
      log = k + 1;
    } else if (n === 11 && is(k, K_USED_CHUNKS)) {
      if (seen & 64) throw BAIL;
      seen |= 64;
      chunks = k + 1;
    }
  }
  // A node without a role string is rejected by the reference.
  if (role < 0 || !isString(role) || units[role] === 0) throw BAIL;
  if (escaped(role)) throw BAIL;
  let roleName = '';
  let asInput = false;
  for (let r = 0; r < ROLES.length; r++) {
    const known = ROLES[r]!;
    if (is(role, known[0])) {
      roleName = known[1];
      asInput = known[2];
      break;
    }
  }
  if (!roleName) roleName = b.toString('latin1', first[role], last[role]);

  // The tool loop first, so that a reasoning block duplicated into the content counts once.
  loopOut = 0;
  loopIn = 0;
  loopCalls = 0;
  loopSent = 0;
  loopReasoningN = 0;
  if (log >= 0) thinkingLog(log);
  resetTally();
  if (items >= 0) content(items);
  binaryBlocks += aBinary;

  let modelName_: string | undefined;
  if (model >= 0 && isString(model) && units[model]! > 0) {
    if (escaped(model)) throw BAIL;
    modelName_ = modelName(model);
  }
  let createMs: number | undefined;
  if (created >= 0 && kind[created] === NUMBER) {
    const ct = numberValue(created);
    createMs = ct < 1e11 ? ct * 1000 : ct;
  }
  if (parent >= 0 && isString(parent) && escaped(parent)) throw BAIL;
  parents[idsN] = parent >= 0 && isString(parent) ? parent : -1;
  return {
    role: roleName,
    system: false,
    model: modelName_,
    parent: -1,
    createMs,
    input: aIn + (asInput ? aRole : 0),
    output: aOut + (asInput ? 0 : aRole),
    chunks: chunks >= 0 ? usedChunks(chunks) : 0,
    loopOut,
    loopIn,
    loopCalls,
    loopSent,
  };
}

/** Per node: its id's key token and the hash of its bytes, and its parent's string token (or -1). */
const ids: number[] = [];
const hashes: number[] = [];
const parents: number[] = [];
let idsN = 0;
let slots = new Int32Array(64);

/** A hash of string token `t`: its length and last 8 bytes (where ULIDs differ). Matches are compared in full. */
function hashOf(t: number): number {
  const e = last[t]!;
  let h = e - first[t]!;
  for (let i = Math.max(first[t]!, e - 8); i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

/** The slot of the id token `t` hashed `h` in the open-addressing table, or the free slot it would take. */
function slotOf(t: number, h: number, mask: number): number {
  let k = h & mask;
  for (;;) {
    const i = slots[k]!;
    if (i < 0 || (hashes[i] === h && sameBytes(first[ids[i]!]!, last[ids[i]!]!, first[t]!, last[t]!))) return k;
    k = (k + 1) & mask;
  }
}

function walk(): TokenCounts {
  // The reference rejects a map that is not an object.
  if (kind[0] !== OBJECT) throw BAIL;
  binaryBlocks = 0;
  idsN = 0;
  const nodes: NodeCounts[] = [];
  for (let k = 1, e = last[0]!; k < e; k = after(k + 1)) {
    const n = named(k);
    // Integer-like keys come first in Object.entries order: leave such maps to the reference.
    let digits = 0;
    while (digits < n && b[first[k]! + digits]! >= 0x30 && b[first[k]! + digits]! <= 0x39) digits++;
    if (digits === n) throw BAIL;
    // The reference rejects a node that is not an object.
    if (kind[k + 1] !== OBJECT) throw BAIL;
    ids[idsN] = k;
    hashes[idsN] = hashOf(k);
    const counts = node(k + 1);
    counts.system = is(k, SYSTEM);
    nodes.push(counts);
    idsN++;
  }
  // Ids to indexes: an id given twice leaves the scan; each parent resolves to its node's index.
  let size = 64;
  while (size < 2 * idsN) size *= 2;
  if (slots.length < size) slots = new Int32Array(size);
  slots.fill(-1, 0, size);
  const mask = size - 1;
  for (let i = 0; i < idsN; i++) {
    const k = slotOf(ids[i]!, hashes[i]!, mask);
    if (slots[k]! >= 0) throw BAIL;
    slots[k] = i;
  }
  for (let i = 0; i < idsN; i++) {
    const p = parents[i]!;
    if (p >= 0) nodes[i]!.parent = slots[slotOf(p, hashOf(p), mask)]!;
  }
  return { nodes, binaryBlocks };
}

/**
 * The `chars/4` token figures of a MessageMap given as text (DynamoDB) or UTF-8 bytes (S3), equal to
 * those of the reference reader with `charsPer4`; `undefined` when the reference reader must decide.
 */
export function scanMessageMapChars4(src: string | Uint8Array): TokenCounts | undefined {
  if (!load(src)) return undefined;
  try {
    tokenize();
    return walk();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}

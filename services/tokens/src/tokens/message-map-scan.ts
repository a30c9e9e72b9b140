/**
 * The `chars/4` reading of a MessageMap in one pass over its bytes, without building the JSON tree.
 *
 * `chars/4` needs, per counted text, only its length in code points after JSON decoding, so the
 * scanner measures strings where they lie (an escape counts as the character it decodes to) and
 * skips everything else, validating it as `JSON.parse` would. The result equals
 * `tokenCountsOf(readMessageMap(JSON.parse(text), charsPer4))` node for node, or is `undefined`
 * when the text leaves the subset the scanner handles: not ASCII (Python's `json.dumps` writes
 * ASCII), not valid JSON, a map the reference rejects, a key that matters written with escapes, a
 * key given twice, numeric node ids (`Object.entries` would reorder them), nesting deeper than
 * {@link MAX_DEPTH}. The caller then runs the reference reader, which gives the same figures or
 * the rejection reason.
 *
 * What is counted mirrors `message-map.ts` (`countContent`, `toolResultText`, `readMessageMap`):
 * the comments name the reference behaviour each branch reproduces.
 */
import { Buffer, isAscii } from 'node:buffer';
import type { NodeCounts, TokenCounts } from './message-map';

/** Thrown (always this one instance) to leave the scan to the reference reader. */
class ScanBailError extends Error {
  override name = 'ScanBailError';
}
const BAIL = new ScanBailError('outside the scanner subset');
function bail(): never {
  throw BAIL;
}

const MAX_DEPTH = 256;

const Q = 0x22; // "
const BS = 0x5c; // \
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

// Scan state. A scan is synchronous, so one set of module variables serves every call.
/** The text's bytes, in a buffer of its own (offset 0), also seen as 32-bit words to test 4 bytes at once. */
let b = Buffer.from(new ArrayBuffer(1 << 16));
let words = new Int32Array(b.buffer);
let end = 0;
let p = 0;
let depth = 0;

function load(src: string | Uint8Array): boolean {
  const n = src.length;
  // 3 bytes per unit: the UTF-8 write of a non-ASCII string can then never stop at exactly `n` bytes.
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
  // A zero byte after the text stops every loop without bounds checks: no JSON token accepts it.
  b[end] = 0;
  p = 0;
  depth = 0;
  return true;
}

function ws(): void {
  let c = b[p]!;
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]!;
}

// Strings

let sStart = 0;
let sEnd = 0;
/** UTF-16 units after decoding. */
let sUnits = 0;
/** Code points after decoding: what `charsPer4` counts. */
let sCp = 0;
/** Code points of `JSON.stringify` of the decoded string. */
let sJson = 0;
/** Raw bytes taken by escapes, escapes, surrogate pairs, and the JSON.stringify length of the escaped units. */
let eRaw = 0;
let eCount = 0;
let ePairs = 0;
let eJson = 0;
/** Index right after the last `\uD800`–`\uDBFF` escape, to pair it with a following low half. */
let eHighEnd = -1;

/** The escape at `i` (a backslash): validates it, updates the escape tallies, returns the index after it. */
function readEscape(i: number): number {
  const e = b[i + 1]!;
  if (e === 0x75) {
    const h1 = HEX[b[i + 2]!]!;
    const h2 = HEX[b[i + 3]!]!;
    const h3 = HEX[b[i + 4]!]!;
    const h4 = HEX[b[i + 5]!]!;
    if ((h1 | h2 | h3 | h4) < 0) bail();
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
      else if (v === 0x22 || v === BS || v === 0x08 || v === 0x09 || v === 0x0a || v === 0x0c || v === 0x0d) eJson += 2;
      else if (v < 0x20) eJson += 6;
      else eJson += 1;
    }
    return i + 6;
  }
  if (e === Q || e === BS || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) eJson += 2;
  else if (e === 0x2f) eJson += 1;
  else bail();
  eRaw += 2;
  eCount++;
  return i + 2;
}

/**
 * The string at `p` (its opening quote): validates it, sets the `s*` results, moves past it.
 * Aligned 4-byte words with no quote, backslash or control byte are passed whole (the text is ASCII,
 * so each test below is exact: it is nonzero exactly when some byte of the word is special).
 */
function str(): void {
  const buf = b;
  const w = words;
  let i = p + 1;
  const start = i;
  eRaw = 0;
  eCount = 0;
  ePairs = 0;
  eJson = 0;
  eHighEnd = -1;
  for (;;) {
    if ((i & 3) === 0) {
      for (;;) {
        const x = w[i >> 2]! | 0;
        const q = x ^ 0x22222222;
        const e = x ^ 0x5c5c5c5c;
        if ((((q - 0x01010101) & ~q) | ((e - 0x01010101) & ~e) | ((x - 0x20202020) & ~x)) & 0x80808080) break;
        i += 4;
      }
    }
    const c = buf[i]!;
    if (c === Q) break;
    if (c === BS) i = readEscape(i);
    else if (c < 0x20) bail();
    else i++;
  }
  const raw = i - start - eRaw;
  sStart = start;
  sEnd = i;
  sUnits = raw + eCount;
  sCp = sUnits - ePairs;
  sJson = 2 + raw + eJson;
  p = i + 1;
}

/**
 * A string whose exact text matters (a key, a role or model name): it must have no escape, so its
 * bytes are its text. Sets `sStart`/`sEnd` and moves past it.
 */
function plainStr(): void {
  const buf = b;
  let i = p + 1;
  for (;;) {
    const c = buf[i]!;
    if (c === Q) break;
    if (c === BS || c < 0x20) bail();
    i++;
  }
  sStart = p + 1;
  sEnd = i;
  p = i + 1;
}

/** FNV-1a hash of the last id read with {@link idStr}. */
let sHash = 0;

/** A node id or parent id: a {@link plainStr} that also sets `sHash`. */
function idStr(): void {
  const buf = b;
  let i = p + 1;
  let h = 0x811c9dc5;
  for (;;) {
    const c = buf[i]!;
    if (c === Q) break;
    if (c === BS || c < 0x20) bail();
    h = Math.imul(h ^ c, 0x01000193);
    i++;
  }
  sStart = p + 1;
  sEnd = i;
  sHash = h;
  p = i + 1;
}

/** A key whose name matters: reads it (see {@link plainStr}) and leaves `p` on its value. */
function namedKey(): void {
  if (b[p] !== Q) bail();
  plainStr();
  ws();
  if (b[p] !== 0x3a) bail();
  p++;
  ws();
}

/** Any key: validates it and leaves `p` on its value. */
function anyKey(): void {
  if (b[p] !== Q) bail();
  str();
  ws();
  if (b[p] !== 0x3a) bail();
  p++;
  ws();
}

/** True when the last key or string read is exactly `name`. */
function is(name: Uint8Array): boolean {
  const n = name.length;
  if (sEnd - sStart !== n) return false;
  for (let i = 0; i < n; i++) if (b[sStart + i] !== name[i]) return false;
  return true;
}

/** True when two spans of the text hold the same bytes. */
function sameBytes(a: number, aEnd: number, c: number, cEnd: number): boolean {
  if (aEnd - a !== cEnd - c) return false;
  for (let i = 0; a + i < aEnd; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}

/** True when two validated strings (raw spans, without their quotes) decode to the same text. */
function sameText(a: number, aEnd: number, c: number, cEnd: number): boolean {
  if (sameBytes(a, aEnd, c, cEnd)) return true;
  while (a < aEnd && c < cEnd) {
    const u = unitAt(a);
    a = uNext;
    if (unitAt(c) !== u) return false;
    c = uNext;
  }
  return a === aEnd && c === cEnd;
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

// Numbers and literals

let nInt = 0;
let nSimple = false;
let nStart = 0;

/** The number at `p`: validates the JSON grammar; `nSimple` when it is a non-negative integer value below 1e15. */
function num(): void {
  nStart = p;
  let c = b[p]!;
  nSimple = true;
  if (c === 0x2d) {
    nSimple = false;
    c = b[++p]!;
  }
  let v = 0;
  let digits = 0;
  if (c === 0x30) {
    c = b[++p]!;
    digits = 1;
  } else if (c >= 0x31 && c <= 0x39) {
    do {
      v = v * 10 + (c - 0x30);
      digits++;
      c = b[++p]!;
    } while (c >= 0x30 && c <= 0x39);
  } else bail();
  if (digits > 15) nSimple = false;
  if (c === 0x2e) {
    c = b[++p]!;
    if (c < 0x30 || c > 0x39) bail();
    do {
      if (c !== 0x30) nSimple = false;
      c = b[++p]!;
    } while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    nSimple = false;
    c = b[++p]!;
    if (c === 0x2b || c === 0x2d) c = b[++p]!;
    if (c < 0x30 || c > 0x39) bail();
    do c = b[++p]!;
    while (c >= 0x30 && c <= 0x39);
  }
  nInt = v;
}

/** The value of the number just read, as `JSON.parse` gives it. */
const numberValue = (): number => (nSimple ? nInt : Number(b.toString('latin1', nStart, p)));

/** The length of `JSON.stringify` of the number just read. */
function numberJsonLength(): number {
  if (nSimple) {
    let digits = 1;
    for (let v = nInt; v >= 10; v = Math.floor(v / 10)) digits++;
    return digits;
  }
  const v = numberValue();
  return Number.isFinite(v) ? String(v).length : 4;
}

/** `true`, `false` or `null` at `p`: moves past it and returns its length. */
function literal(): number {
  const c = b[p]!;
  if (c === 0x74 && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65) {
    p += 4;
    return 4;
  }
  if (c === 0x66 && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65) {
    p += 5;
    return 5;
  }
  if (c === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) {
    p += 4;
    return 4;
  }
  return bail();
}

const isNull = (): boolean => b[p] === 0x6e;

// Structure

/** Opens the object or array at `p`; false when it is empty (and already closed). */
function open(close: number): boolean {
  if (++depth > MAX_DEPTH) bail();
  p++;
  ws();
  if (b[p] === close) {
    p++;
    depth--;
    return false;
  }
  return true;
}

/** After a member or element: true when another follows (moves past the comma), false at `close`. */
function more(close: number): boolean {
  ws();
  const c = b[p]!;
  if (c === 0x2c) {
    p++;
    ws();
    return true;
  }
  if (c !== close) bail();
  p++;
  depth--;
  return false;
}

/** Skips (and validates) the value at `p`. */
function skip(): void {
  const c = b[p]!;
  if (c === Q) str();
  else if (c === 0x7b) {
    if (open(0x7d))
      do {
        anyKey();
        skip();
      } while (more(0x7d));
  } else if (c === 0x5b) {
    if (open(0x5d))
      do skip();
      while (more(0x5d));
  } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) num();
  else literal();
}

/** Key spans of the objects being measured by {@link jsonLength}, to find keys given twice. */
const jsonKeys: number[] = [];

/** Code points of `JSON.stringify(JSON.parse(value))` for the value at `p`. */
function jsonLength(): number {
  const c = b[p]!;
  if (c === Q) {
    str();
    return sJson;
  }
  if (c === 0x7b) {
    if (!open(0x7d)) return 2;
    const base = jsonKeys.length;
    let len = 1;
    do {
      anyKey();
      // JSON.parse keeps one member per key: leave duplicates to the reference.
      if (jsonKeys.length - base > 256) bail();
      for (let k = base; k < jsonKeys.length; k += 2)
        if (sameText(jsonKeys[k]!, jsonKeys[k + 1]!, sStart, sEnd)) bail();
      jsonKeys.push(sStart, sEnd);
      const keyLength = sJson;
      len += keyLength + 2 + jsonLength();
    } while (more(0x7d));
    jsonKeys.length = base;
    return len;
  }
  if (c === 0x5b) {
    if (!open(0x5d)) return 2;
    let len = 1;
    do len += 1 + jsonLength();
    while (more(0x5d));
    return len;
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    num();
    return numberJsonLength();
  }
  return literal();
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

/** The last plain string read, as a model name (the same string object for the same name). */
function modelName(): string {
  if (lastModel && is(lastModel[0])) return lastModel[1];
  for (const m of models)
    if (is(m[0])) {
      lastModel = m;
      return m[1];
    }
  const s = b.toString('latin1', sStart, sEnd);
  if (models.length < 256) {
    lastModel = [enc(s), s];
    models.push(lastModel);
  }
  return s;
}

// Content items: tallied like `countContent`'s `acc`; the owner's role is applied once it is known.

/** Tokens of text bodies (their billing role is the owner's), input and output tokens, binary blocks. */
let aRole = 0;
let aIn = 0;
let aOut = 0;
let aBinary = 0;
/** Every item is an object whose content_type is "text" (the v1.3.1–v2.1 seed test). */
let aAllText = true;
/** Items are inside thinking_log (their reasoning is counted at once and remembered). */
let inLoop = false;
/** Reasoning texts with tokens: raw spans, decoded lengths and tokens, of the node content and of its loop. */
const contentReasoning: number[] = [];
let contentReasoningN = 0;
const loopReasoning: number[] = [];
let loopReasoningN = 0;

function resetTally(): void {
  aRole = 0;
  aIn = 0;
  aOut = 0;
  aBinary = 0;
  aAllText = true;
}

/** `content`: a list of items or one item (< v0.4.2); `asList` makes null an empty list, other scalars one non-object. */
function content(): void {
  const c = b[p]!;
  if (c === 0x5b) {
    if (open(0x5d))
      do {
        if (b[p] === 0x7b) item();
        else {
          aAllText = false;
          skip();
        }
      } while (more(0x5d));
  } else if (c === 0x7b) item();
  else {
    if (!isNull()) aAllText = false;
    skip();
  }
}

/** One content item (`countContent`). Its keys may come in any order, so each is read, then applied. */
function item(): void {
  let type = T_OTHER;
  let seen = 0;
  let bodyTokens = -1;
  let bodyObject = false;
  let input = 2;
  let trIn = 0;
  let trBinary = 0;
  let textStart = 0;
  let textEnd = 0;
  let textUnits = 0;
  let textTokens = 0;
  let redacted = false;
  if (open(0x7d))
    do {
      namedKey();
      const n = sEnd - sStart;
      if (n === 12 && is(K_CONTENT_TYPE)) {
        if (seen & 1) bail();
        seen |= 1;
        if (b[p] === Q) {
          plainStr();
          for (const [name, t] of TYPES)
            if (is(name)) {
              type = t;
              break;
            }
        } else skip();
      } else if (n === 4 && is(K_BODY)) {
        if (seen & 2) bail();
        seen |= 2;
        const c = b[p]!;
        if (c === Q) {
          str();
          bodyTokens = sCp >> 2;
        } else if (c === 0x7b && type !== T_BINARY && type !== T_REASONING) {
          body();
          bodyObject = true;
          input = bodyInput;
          trIn = bodyTrIn;
          trBinary = bodyTrBinary;
        } else skip();
      } else if (n === 4 && is(K_TEXT)) {
        if (seen & 4) bail();
        seen |= 4;
        if (b[p] === Q) {
          str();
          textStart = sStart;
          textEnd = sEnd;
          textUnits = sUnits;
          textTokens = sCp >> 2;
        } else skip();
      } else if (n === 16 && is(K_REDACTED)) {
        if (seen & 8) bail();
        seen |= 8;
        if (b[p] === Q) {
          str();
          redacted = sUnits > 0;
        } else skip();
      } else skip();
    } while (more(0x7d));
  if (type !== T_TEXT) aAllText = false;
  switch (type) {
    case T_TEXT: // a text body (a non-string body counts as "")
    case T_OTHER: // an unknown type with a text body counts as text
      if (bodyTokens > 0) aRole += bodyTokens;
      return;
    case T_BINARY:
      aBinary++;
      return;
    case T_TOOL_USE: // JSON.stringify((isObj(body) ? body : {}).input ?? {})
      aOut += (bodyObject ? input : 2) >> 2;
      return;
    case T_TOOL_RESULT:
      if (bodyObject) {
        aIn += trIn;
        aBinary += trBinary;
      }
      return;
    case T_REASONING:
      // Empty or short texts count 0 tokens wherever they are, so only texts with tokens are kept.
      if (textTokens > 0) {
        const list = inLoop ? loopReasoning : contentReasoning;
        const at = inLoop ? loopReasoningN : contentReasoningN;
        list[at] = textStart;
        list[at + 1] = textEnd;
        list[at + 2] = textUnits;
        list[at + 3] = textTokens;
        if (inLoop) {
          aOut += textTokens;
          loopReasoningN += 4;
        } else contentReasoningN += 4;
      }
      if (redacted) aBinary++;
      return;
  }
}

let bodyInput = 0;
let bodyTrIn = 0;
let bodyTrBinary = 0;

/** An object body: the JSON length of `input` (toolUse) and the tokens of its `content` results (toolResult). */
function body(): void {
  let seen = 0;
  let input = 2;
  let trIn = 0;
  let trBinary = 0;
  if (open(0x7d))
    do {
      namedKey();
      if (is(K_INPUT)) {
        if (seen & 1) bail();
        seen |= 1;
        if (isNull()) literal();
        else input = jsonLength();
      } else if (is(K_CONTENT)) {
        if (seen & 2) bail();
        seen |= 2;
        const c = b[p]!;
        if (c === 0x5b) {
          if (open(0x5d))
            do {
              if (b[p] === 0x7b) {
                toolResult();
                trIn += resultIn;
                if (resultBinary) trBinary++;
              } else skip();
            } while (more(0x5d));
        } else if (c === 0x7b) {
          toolResult();
          trIn += resultIn;
          if (resultBinary) trBinary++;
        } else skip();
      } else skip();
    } while (more(0x7d));
  bodyInput = input;
  bodyTrIn = trIn;
  bodyTrBinary = trBinary;
}

let resultIn = 0;
let resultBinary = false;

/** One tool result (`toolResultText`): its text, its JSON (`json ?? json_`), whether it is binary. */
function toolResult(): void {
  let seen = 0;
  let tokens = 0;
  let json = -1;
  let json_ = -1;
  let binary = false;
  if (open(0x7d))
    do {
      namedKey();
      if (is(K_TEXT)) {
        if (seen & 1) bail();
        seen |= 1;
        if (b[p] === Q) {
          str();
          tokens += sCp >> 2;
        } else skip();
      } else if (is(K_JSON)) {
        if (seen & 2) bail();
        seen |= 2;
        if (isNull()) literal();
        else json = jsonLength();
      } else if (is(K_JSON_)) {
        if (seen & 4) bail();
        seen |= 4;
        if (isNull()) literal();
        else json_ = jsonLength();
      } else if (is(K_IMAGE) || is(K_DOCUMENT)) {
        const bit = sEnd - sStart === 5 ? 8 : 16;
        if (seen & bit) bail();
        seen |= bit;
        if (b[p] === Q) {
          str();
          binary = true;
        } else skip();
      } else skip();
    } while (more(0x7d));
  if (json >= 0) tokens += json >> 2;
  else if (json_ >= 0) tokens += json_ >> 2;
  resultIn = tokens;
  resultBinary = binary;
}

// Nodes

let binaryBlocks = 0;
/** Per node: the span and hash of its id, and of its parent id (start -1 when the parent is not a string). */
const ids: number[] = [];
const parents: number[] = [];
let idsN = 0;
let slots = new Int32Array(64);

function node(): NodeCounts {
  let seen = 0;
  let role = '';
  let asInput = false;
  let model: string | undefined;
  let parentStart = -1;
  let parentEnd = 0;
  let parentHash = 0;
  let createMs: number | undefined;
  let chunks = 0;
  let cRole = 0;
  let cIn = 0;
  let cOut = 0;
  contentReasoningN = 0;
  loopReasoningN = 0;
  loopOut = 0;
  loopIn = 0;
  loopCalls = 0;
  loopSent = 0;
  if (open(0x7d))
    do {
      namedKey();
      const n = sEnd - sStart;
      const c0 = b[sStart];
      if (n === 4 && is(K_ROLE)) {
        if (seen & 1) bail();
        seen |= 1;
        role = '';
        asInput = false;
        if (b[p] === Q) {
          plainStr();
          let known = false;
          for (const r of ROLES)
            if (is(r[0])) {
              role = r[1];
              asInput = r[2];
              known = true;
              break;
            }
          if (!known) role = b.toString('latin1', sStart, sEnd);
        } else skip();
      } else if (n === 7 && is(K_CONTENT)) {
        if (seen & 2) bail();
        seen |= 2;
        resetTally();
        inLoop = false;
        content();
        cRole = aRole;
        cIn = aIn;
        cOut = aOut;
        binaryBlocks += aBinary;
      } else if (n === 5 && is(K_MODEL)) {
        if (seen & 4) bail();
        seen |= 4;
        model = undefined;
        if (b[p] === Q) {
          plainStr();
          if (sEnd > sStart) model = modelName();
        } else skip();
      } else if (n === 6 && is(K_PARENT)) {
        if (seen & 8) bail();
        seen |= 8;
        parentStart = -1;
        if (b[p] === Q) {
          idStr();
          parentStart = sStart;
          parentEnd = sEnd;
          parentHash = sHash;
        } else skip();
      } else if (n === 11 && c0 === 0x63 && is(K_CREATE_TIME)) {
        if (seen & 16) bail();
        seen |= 16;
        createMs = undefined;
        const c = b[p]!;
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          num();
          const ct = numberValue();
          createMs = ct < 1e11 ? ct * 1000 : ct;
        } else skip();
      } else if (n === 12 && is(K_THINKING_LOG)) {
        if (seen & 32) bail();
        seen |= 32;
        thinkingLog();
      } else if (n === 11 && is(K_USED_CHUNKS)) {
        if (seen & 64) bail();
        seen |= 64;
        chunks = usedChunks();
      } else skip();
    } while (more(0x7d));
  // A node without a role string is rejected by the reference.
  if (!role) bail();
  // Content reasoning already counted in the tool loop (duplicated by app < v3.9) counts once.
  let output = cOut;
  for (let i = 0; i < contentReasoningN; i += 4) {
    const s = contentReasoning[i]!;
    const e = contentReasoning[i + 1]!;
    const units = contentReasoning[i + 2]!;
    let inLog = false;
    for (let j = 0; j < loopReasoningN && !inLog; j += 4)
      inLog = loopReasoning[j + 2] === units && sameText(loopReasoning[j]!, loopReasoning[j + 1]!, s, e);
    if (!inLog) output += contentReasoning[i + 3]!;
  }
  const at = 3 * idsN;
  parents[at] = parentStart;
  parents[at + 1] = parentEnd;
  parents[at + 2] = parentHash;
  return {
    role,
    system: false,
    model,
    parent: -1,
    createMs,
    input: cIn + (asInput ? cRole : 0),
    output: output + (asInput ? 0 : cRole),
    chunks,
    loopOut,
    loopIn,
    loopCalls,
    loopSent,
  };
}

let loopOut = 0;
let loopIn = 0;
let loopCalls = 0;
let loopSent = 0;

/** One entry of the tool loop with its tokens; `byModel` entries are model calls. */
function loopEntry(tokens: number, byModel: boolean): void {
  if (byModel) {
    loopCalls++;
    loopSent += loopOut + loopIn;
    loopOut += tokens;
  } else loopIn += tokens;
}

/** `thinking_log`: a ReAct text (v1.0–v1.3.0) or a list of agent messages (v1.3.1+). */
function thinkingLog(): void {
  const c = b[p]!;
  if (c === Q) {
    str();
    if (sUnits > 0) loopEntry(sCp >> 2, true);
    return;
  }
  if (c !== 0x5b) {
    skip();
    return;
  }
  if (!open(0x5d)) return;
  let seeded = true;
  do {
    if (b[p] !== 0x7b) {
      skip();
      continue;
    }
    let seen = 0;
    let user = false;
    resetTally();
    inLoop = true;
    if (open(0x7d))
      do {
        namedKey();
        if (is(K_ROLE)) {
          if (seen & 1) bail();
          seen |= 1;
          user = false;
          if (b[p] === Q) {
            plainStr();
            user = is(USER);
          } else skip();
        } else if (is(K_CONTENT)) {
          if (seen & 2) bail();
          seen |= 2;
          content();
        } else skip();
      } while (more(0x7d));
    // v1.3.1–v2.1 logs open with the prior conversation as plain text turns: not part of the loop.
    // (An entry with reasoning is never skipped, so its reasoning was rightly remembered.)
    if (seeded && aAllText) continue;
    seeded = false;
    binaryBlocks += aBinary;
    const output = aOut + (user ? 0 : aRole);
    const input = aIn + (user ? aRole : 0);
    if (output) loopEntry(output, true);
    if (input) loopEntry(input, false);
  } while (more(0x5d));
}

/** `used_chunks` (v0.4.8–v2.1): the tokens of each chunk's content. */
function usedChunks(): number {
  if (b[p] !== 0x5b) {
    skip();
    return 0;
  }
  let chunks = 0;
  if (open(0x5d))
    do {
      if (b[p] !== 0x7b) {
        skip();
        continue;
      }
      let seen = false;
      if (open(0x7d))
        do {
          namedKey();
          if (is(K_CONTENT)) {
            if (seen) bail();
            seen = true;
            if (b[p] === Q) {
              str();
              chunks += sCp >> 2;
            } else skip();
          } else skip();
        } while (more(0x7d));
    } while (more(0x5d));
  return chunks;
}

/** The slot of the id hashed `h` spanning `s..e` in the open-addressing table, or of the free slot it would take. */
function slotOf(h: number, s: number, e: number, mask: number): number {
  let k = h & mask;
  for (;;) {
    const i = slots[k]!;
    if (i < 0 || (ids[3 * i + 2] === h && sameBytes(ids[3 * i]!, ids[3 * i + 1]!, s, e))) return k;
    k = (k + 1) & mask;
  }
}

function map(): TokenCounts {
  binaryBlocks = 0;
  idsN = 0;
  const nodes: NodeCounts[] = [];
  ws();
  if (b[p] !== 0x7b) bail();
  if (open(0x7d))
    do {
      if (b[p] !== Q) bail();
      idStr();
      ws();
      if (b[p] !== 0x3a) bail();
      p++;
      ws();
      // Integer-like keys come first in Object.entries order: leave such maps to the reference.
      let digits = sStart;
      while (digits < sEnd && b[digits]! >= 0x30 && b[digits]! <= 0x39) digits++;
      if (digits === sEnd) bail();
      const at = 3 * idsN;
      ids[at] = sStart;
      ids[at + 1] = sEnd;
      ids[at + 2] = sHash;
      const system = is(SYSTEM);
      // The reference rejects a node that is not an object.
      if (b[p] !== 0x7b) bail();
      const n = node();
      n.system = system;
      nodes.push(n);
      idsN++;
    } while (more(0x7d));
  ws();
  if (p !== end) bail();
  // Ids to indexes: a key given twice leaves the scan; parents resolve to their node's index.
  const count = nodes.length;
  let size = 64;
  while (size < 2 * count) size *= 2;
  if (slots.length < size) slots = new Int32Array(size);
  slots.fill(-1, 0, size);
  const mask = size - 1;
  for (let i = 0; i < count; i++) {
    const k = slotOf(ids[3 * i + 2]!, ids[3 * i]!, ids[3 * i + 1]!, mask);
    if (slots[k]! >= 0) bail();
    slots[k] = i;
  }
  for (let i = 0; i < count; i++) {
    const s = parents[3 * i]!;
    if (s >= 0) nodes[i]!.parent = slots[slotOf(parents[3 * i + 2]!, s, parents[3 * i + 1]!, mask)]!;
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
    return map();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  } finally {
    jsonKeys.length = 0;
  }
}

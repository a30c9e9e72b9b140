/**
 * The chars/4 scan of a MessageMap against the reference reader (`JSON.parse` → `readMessageMap` →
 * `tokenCountsOf`) on the sample generator's maps of both tables, the hostile corpus, hand-written
 * corner cases, and seeded random maps with random edits. Wherever the scan answers, its figures
 * must equal the reference's; where the reference rejects a map, the scan must leave it (undefined).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { charsPer4 } from '@catia/shared';
import { generateBedrockNewItems, generateBedrockOldItems } from '../../../../scripts/lib/sample-data';
import {
  inputTokensInContext,
  MessageMapError,
  type NodeTokens,
  parseMessageMapJson,
  readMessageMap,
  type TokenCounts,
  tokenCountsOf,
} from '../../src/tokens/message-map';
import { scanMessageMapChars4 } from '../../src/tokens/message-map-scan';

function reference(text: string): TokenCounts | 'rejected' {
  try {
    return tokenCountsOf(readMessageMap(parseMessageMapJson(text), charsPer4));
  } catch {
    return 'rejected';
  }
}

interface Tally {
  answered: number;
  left: number;
  leftAccepted: number;
  mismatches: string[];
}
const tally = (): Tally => ({ answered: 0, left: 0, leftAccepted: 0, mismatches: [] });

/** Compares both readings of `text` (as a string and as UTF-8 bytes) and tallies the outcome. */
function compare(text: string, t: Tally): void {
  const ref = reference(text);
  const fromString = scanMessageMapChars4(text);
  const fromBytes = scanMessageMapChars4(Buffer.from(text, 'utf-8'));
  if (!isDeepStrictEqual(fromString, fromBytes)) t.mismatches.push(`string/bytes: ${text.slice(0, 300)}`);
  if (fromString === undefined) {
    t.left++;
    if (ref !== 'rejected') t.leftAccepted++;
  } else if (ref === 'rejected') t.mismatches.push(`answered a rejected map: ${text.slice(0, 300)}`);
  else if (!isDeepStrictEqual(fromString, ref)) {
    t.mismatches.push(`${text.slice(0, 300)}\n scan ${JSON.stringify(fromString)}\n ref  ${JSON.stringify(ref)}`);
  } else t.answered++;
}

describe('chars/4 MessageMap scan', () => {
  it.each([
    ['old', generateBedrockOldItems],
    ['new', generateBedrockNewItems],
  ])('gives the reference figures for every map of the %s table sample', (_table, generate) => {
    const t = tally();
    let large = 0;
    for (const { item, largeMessage } of generate({ users: 1200, seed: 20261125 })) {
      if (!String(item.SK).includes('#CONV#')) continue;
      if (typeof item.MessageMap === 'string') compare(item.MessageMap, t);
      if (largeMessage) {
        compare(largeMessage.body, t);
        large++;
      }
    }
    expect(t.mismatches).toEqual([]);
    // Python's json.dumps output is all in the subset: the scan leaves only maps the reference rejects.
    expect(t.leftAccepted).toBe(0);
    expect(t.answered).toBeGreaterThan(2500);
    expect(large).toBeGreaterThan(0);
  });

  it('gives the reference figures for the hostile corpus', () => {
    const dir = join(__dirname, '..', '..', '..', '..', 'tests', 'fixtures', 'hostile', 'bedrock');
    const t = tally();
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.input.json'))) {
      const item = JSON.parse(readFileSync(join(dir, f), 'utf-8'));
      if (typeof item.MessageMap === 'string') compare(item.MessageMap, t);
    }
    expect(t.mismatches).toEqual([]);
    expect(t.answered).toBeGreaterThan(5);
  });

  const node = (fields: string) => `{"role": "assistant", "model": "claude-v3.5-sonnet", "parent": null, ${fields}}`;
  const text = (body: string) => node(`"content": [{"content_type": "text", "body": "${body}"}]`);
  it.each([
    ['escapes count as the characters they decode to', `{"a": ${text('\\u00e1\\n\\"\\\\\\/abcdefgh')}}`],
    ['a surrogate pair is one code point', `{"a": ${text('\\ud83d\\ude00\\ud83d\\ude00abcdef')}}`],
    [
      'lone and reversed surrogate halves count one each',
      `{"a": ${text('\\ud83dx\\ude00\\ude00\\ud83d\\ud83d\\ude00')}}`,
    ],
    ['an escaped control character is text', `{"a": ${text('\\u0000\\u001f\\b\\f\\r\\t1234')}}`],
    ['upper-case hex escapes', `{"a": ${text('\\u00E1\\uD83D\\uDE00abcd')}}`],
    [
      'content as a single object (< v0.4.2)',
      `{"a": ${node('"content": {"content_type": "text", "body": "abcdefghijkl"}')}}`,
    ],
    ['body before content_type', `{"a": ${node('"content": [{"body": "abcdefghijkl", "content_type": "text"}]')}}`],
    [
      'unknown type with a text body, and a non-string type',
      `{"a": ${node('"content": [{"content_type": "video", "body": "abcdefgh"}, {"content_type": 5, "body": "abcdefgh"}]')}}`,
    ],
    [
      'images and attachments are counted, not tokenized',
      `{"a": ${node('"content": [{"content_type": "image", "body": "iVBOR"}, {"content_type": "attachment", "body": {"x": 1}}]')}}`,
    ],
    [
      'toolUse input as JSON, with numbers rewritten',
      `{"a": ${node('"content": [{"content_type": "toolUse", "body": {"input": {"n": 1.0, "e": 1e21, "f": 0.1, "m": -0, "s": "\\u00e1\\"", "l": [true, false, null, {}], "u": "\\ud800"}}}]')}}`,
    ],
    [
      'toolUse without input, with null input, with a non-object body',
      `{"a": ${node('"content": [{"content_type": "toolUse", "body": {}}, {"content_type": "toolUse", "body": {"input": null}}, {"content_type": "toolUse", "body": "x"}]')}}`,
    ],
    [
      'toolResult json wins over json_, null json falls back to json_',
      `{"a": ${node('"content": [{"content_type": "toolResult", "body": {"content": [{"json": {"k": "abcdefgh"}, "json_": {"z": 1}}, {"json": null, "json_": ["abcdefgh"]}, {"text": "abcdefgh"}, {"image": "b64"}, {"document": "b64", "text": 5}]}}]')}}`,
    ],
    [
      'toolResult content as one object (v1.3.1–v2.1)',
      `{"a": ${node('"content": [{"content_type": "toolResult", "body": {"content": {"json_": null, "text": "abcdefghijkl"}}}]')}}`,
    ],
    [
      'thinking_log as a string, and a short one',
      `{"a": ${node('"content": [], "thinking_log": "Thought: abcdefgh"')}, "b": ${node('"content": [], "thinking_log": "abc"')}}`,
    ],
    [
      'a seeded thinking_log list and reasoning repeated in the content',
      `{"a": ${node('"content": [{"content_type": "reasoning", "text": "pienso \\u00e1 algo"}, {"content_type": "text", "body": "respuesta larga"}], "thinking_log": [{"role": "user", "content": [{"content_type": "text", "body": "semilla antigua"}]}, {"role": "assistant", "content": [{"content_type": "reasoning", "text": "pienso \\u00E1 algo", "redacted_content": "cmVk"}, {"content_type": "toolUse", "body": {"input": {"q": "x"}}}]}, {"role": "user", "content": [{"content_type": "toolResult", "body": {"content": [{"text": "resultado largo"}]}}]}]')}}`,
    ],
    [
      'used_chunks',
      `{"a": ${node('"content": [], "used_chunks": [{"content": "abcdefghijkl", "source": "s"}, {"content": 5}, 7]')}}`,
    ],
    [
      'a tree with instruction, regenerations and a parent outside the map',
      `{"system": {"role": "system", "content": [{"content_type": "text", "body": ""}], "model": "claude-v3-sonnet", "parent": null, "create_time": 1718000000000.0}, "instruction": {"role": "instruction", "content": [{"content_type": "text", "body": "eres un asistente"}], "model": "claude-v3-sonnet", "parent": "system", "create_time": 1718000000}, "u": {"role": "user", "content": [{"content_type": "text", "body": "pregunta uno"}], "parent": "instruction", "create_time": 1.7e12}, "x": {"role": "assistant", "content": [{"content_type": "text", "body": "respuesta uno"}], "model": "claude-v3.5-sonnet", "parent": "u"}, "y": {"role": "assistant", "content": [{"content_type": "text", "body": "respuesta dos"}], "model": "", "parent": "u"}, "z": {"role": "tool", "content": "x", "parent": "nowhere"}}`,
    ],
    ['whitespace everywhere', ` \n{ "a" :\t${text('abcdefgh')} ,"b":{"role":"user","content":[ ] } }\r\n`],
  ])('%s', (_case, json) => {
    expect(reference(json)).not.toBe('rejected');
    expect(scanMessageMapChars4(json)).toEqual(reference(json));
  });

  it.each([
    ['invalid JSON', '{"a": {"role": "user",}}'],
    ['a raw control character in a string', `{"a": ${text('ab\ncd')}}`],
    ['a truncated map', `{"a": ${text('abcd')}`],
    ['trailing text', `{"a": ${text('abcd')}} x`],
    ['a node that is not an object', '{"a": []}'],
    ['a node without role', '{"a": {"content": []}}'],
    ['a map that is a list', '[]'],
    ['an invalid escape', `{"a": ${text('\\x41')}}`],
    ['a leading zero', `{"a": ${node('"content": [], "create_time": 01')}}`],
  ])('leaves %s to the reference, which rejects it', (_case, json) => {
    expect(reference(json)).toBe('rejected');
    expect(scanMessageMapChars4(json)).toBeUndefined();
  });

  it.each([
    ['a key given twice', `{"a": ${node('"content": [], "role": "user"')}}`],
    ['a key written with escapes', `{"a": {"r\\u006fle": "user", "content": []}}`],
    ['an integer-like node id', `{"b": ${text('ab')}, "7": ${text('cd')}}`],
    ['a node id given twice', `{"a": ${text('ab')}, "a": ${text('abcdefgh')}}`],
    ['non-ASCII text', `{"a": ${text('línea')}}`],
    [
      'toolUse input with a key given twice',
      `{"a": ${node('"content": [{"content_type": "toolUse", "body": {"input": {"k": 1, "k": 22}}}]')}}`,
    ],
  ])('leaves %s to the reference, which reads it', (_case, json) => {
    expect(reference(json)).not.toBe('rejected');
    expect(scanMessageMapChars4(json)).toBeUndefined();
  });

  it('gives the reference figures for random maps and random edits of them', () => {
    const rng = new Rng(7);
    const t = tally();
    for (let k = 0; k < 1500; k++) {
      const map = randomMap(rng);
      let json = dumps(rng, map, rng.int(3));
      compare(json, t);
      compare(JSON.stringify(map), t);
      for (let e = rng.int(4); e > 0; e--) {
        json = mutate(rng, json);
        compare(json, t);
      }
    }
    expect(t.mismatches).toEqual([]);
    expect(t.answered).toBeGreaterThan(600);
  });
});

describe('thread tokens', () => {
  // The reader's previous form, on string ids: the oracle for parents resolved to indexes.
  function previousInputTokensInContext(nodes: readonly NodeTokens[]): number {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const memo = new Map<string, number>();
    const thread = (id: string | null, depth = 0): number => {
      if (id === null || depth > 10_000) return 0;
      const cached = memo.get(id);
      if (cached !== undefined) return cached;
      const n = byId.get(id);
      const v = n ? n.input + n.output + thread(n.parent, depth + 1) : 0;
      memo.set(id, v);
      return v;
    };
    let total = 0;
    for (const n of nodes) {
      if (n.role !== 'assistant') continue;
      const base = thread(n.parent) + n.chunks;
      let sent = 0;
      for (const e of n.loop) {
        if (e.byModel) total += base + sent;
        sent += e.tokens;
      }
      total += base + sent;
    }
    return total;
  }

  it('gives the previous totals on random trees with missing parents and tool loops, in any order', () => {
    const rng = new Rng(11);
    for (let k = 0; k < 2000; k++) {
      const ids = ['system', 'a', 'b', 'c', 'd', 'e', 'f'].slice(0, 1 + rng.int(7));
      const nodes: NodeTokens[] = ids.map((id, i) => ({
        id,
        role: rng.pick(['system', 'user', 'assistant', 'assistant']),
        model: undefined,
        // A parent earlier in the list (so no cycle), outside the map, or none.
        parent: i === 0 || rng.chance(0.1) ? null : rng.chance(0.1) ? 'missing' : (ids[rng.int(i)] as string),
        createMs: undefined,
        input: rng.int(50),
        output: rng.int(50),
        chunks: rng.int(5),
        loop: Array.from({ length: rng.int(4) }, () => ({ tokens: rng.int(30), byModel: rng.chance(0.5) })),
        feedback: false,
      }));
      // Children before their parents too: the map's order is the writer's.
      if (rng.chance(0.5)) nodes.reverse();
      const parsed = { nodes, binaryBlocks: 0, feedbackCount: 0 };
      expect(inputTokensInContext(tokenCountsOf(parsed).nodes)).toBe(previousInputTokensInContext(nodes));
    }
  });

  it('follows a thread 12,000 messages long, in either order, without exhausting the stack', () => {
    const chain = (n: number): NodeTokens[] =>
      Array.from({ length: n }, (_, i) => ({
        id: `n${i}`,
        role: i % 2 ? 'assistant' : 'user',
        model: undefined,
        parent: i ? `n${i - 1}` : null,
        createMs: undefined,
        input: 2,
        output: 1,
        chunks: 0,
        loop: [],
        feedback: false,
      }));
    const inOrder = chain(12_000);
    expect(inputTokensInContext(tokenCountsOf({ nodes: inOrder, binaryBlocks: 0, feedbackCount: 0 }).nodes)).toBe(
      previousInputTokensInContext(inOrder),
    );
    // Children first: the first thread followed (from n11998) is cut 10,000 parents up, at n1998, as the
    // previous reader's depth guard meant; later threads reuse those partial sums. Assistants are the odd
    // n_i, each sent the 3 tokens of every counted ancestor: 3·i for i ≤ 1997, 3·(i − 1998) above.
    const reversed = chain(12_000).reverse();
    expect(inputTokensInContext(tokenCountsOf({ nodes: reversed, binaryBlocks: 0, feedbackCount: 0 }).nodes)).toBe(
      3 * 999 ** 2 + 3 * 5001 ** 2,
    );
  });

  it('rejects parent links that form a cycle instead of overflowing the stack', () => {
    const node = (id: string, parent: string): NodeTokens => ({
      id,
      role: 'assistant',
      model: undefined,
      parent,
      createMs: undefined,
      input: 1,
      output: 1,
      chunks: 0,
      loop: [],
      feedback: false,
    });
    const nodes = [node('a', 'b'), node('b', 'a')];
    expect(() => inputTokensInContext(tokenCountsOf({ nodes, binaryBlocks: 0, feedbackCount: 0 }).nodes)).toThrow(
      new MessageMapError('MessageMap parent links form a cycle'),
    );
  });
});

// Seeded random maps of every era and shape, serialised in several ways, and random edits.

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
}

const PIECES = [
  'a',
  'Z',
  ' ',
  '0',
  '.',
  ',',
  ':',
  '{',
  '}',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0001',
  '\u007f',
  'á',
  'ñ',
  '€',
  '中',
  '😀',
  '\ud83d',
  '\ude00',
  '\u2028',
  '\ufeff',
];
const randomText = (rng: Rng, max = 40) =>
  Array.from({ length: rng.int(max) }, () =>
    rng.chance(0.6) ? rng.pick(['a', 'e', 'o', ' ', 'x']) : rng.pick(PIECES),
  ).join('');
const junk = (rng: Rng): unknown => rng.pick<unknown>([null, 5, 'x', [], {}, true, [1, 'a'], { a: 1 }]);

function randomJson(rng: Rng, depth = 0): unknown {
  const r = rng.int(10);
  if (depth > 3 || r < 5) {
    return rng.pick<() => unknown>([
      () => null,
      () => rng.chance(0.5),
      () => rng.int(1000),
      () => rng.pick([0, -0, 1.5, -2, 1e21, 1e-7, 0.1, 350000000, 2 ** 53 + 2]),
      () => randomText(rng, 20),
    ])();
  }
  if (r < 7) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let n = rng.int(4); n > 0; n--)
    o[rng.pick(['query', 'q', 'count', 'url', '1', 'a b', 'á'])] = randomJson(rng, depth + 1);
  return o;
}

function toolResult(rng: Rng): unknown {
  if (rng.chance(0.1)) return junk(rng);
  const o: Record<string, unknown> = {};
  if (rng.chance(0.5)) o.text = rng.chance(0.9) ? randomText(rng) : junk(rng);
  if (rng.chance(0.4)) o.json = rng.chance(0.2) ? null : randomJson(rng);
  if (rng.chance(0.3)) o.json_ = rng.chance(0.2) ? null : randomJson(rng);
  if (rng.chance(0.15)) o.image = rng.chance(0.8) ? 'iVBORw0KGgo=' : 5;
  if (rng.chance(0.1)) o.document = rng.chance(0.8) ? 'JVBERi0=' : null;
  return o;
}

function randomItem(rng: Rng, reasoning: string[]): unknown {
  if (rng.chance(0.05)) return junk(rng);
  const type = rng.chance(0.9)
    ? rng.pick(['text', 'image', 'attachment', 'toolUse', 'toolResult', 'reasoning', 'document', ''])
    : junk(rng);
  const o: Record<string, unknown> = {};
  if (rng.chance(0.97)) o.content_type = type;
  if (type === 'toolUse')
    o.body = rng.chance(0.85) ? { name: 'x', ...(rng.chance(0.9) ? { input: randomJson(rng) } : {}) } : junk(rng);
  else if (type === 'toolResult') {
    const c = rng.int(3);
    o.body = {
      content:
        c === 0 ? [toolResult(rng), toolResult(rng)].slice(0, rng.int(3)) : c === 1 ? toolResult(rng) : junk(rng),
    };
  } else if (type === 'reasoning') {
    o.text = rng.chance(0.9)
      ? rng.chance(0.5) && reasoning.length
        ? rng.pick(reasoning)
        : randomText(rng, 60)
      : junk(rng);
    o.redacted_content = rng.pick<unknown>(['', 'cmVk', null, 5]);
    if (typeof o.text === 'string') reasoning.push(o.text);
  } else o.body = rng.chance(0.9) ? randomText(rng, rng.chance(0.05) ? 3000 : 80) : junk(rng);
  if (rng.chance(0.2)) return Object.fromEntries(Object.entries(o).reverse());
  return o;
}

function randomContent(rng: Rng, reasoning: string[]): unknown {
  const r = rng.int(10);
  if (r === 0) return junk(rng);
  if (r === 1) return randomItem(rng, reasoning);
  return Array.from({ length: rng.int(4) }, () => randomItem(rng, reasoning));
}

function randomLog(rng: Rng, reasoning: string[]): unknown {
  const r = rng.int(10);
  if (r < 3) return null;
  if (r < 5) return rng.chance(0.8) ? randomText(rng, 200) : rng.pick(['', 'abc', 'abcd']);
  if (r === 5) return junk(rng);
  const log: unknown[] = Array.from({ length: rng.int(6) }, () => {
    if (rng.chance(0.05)) return junk(rng);
    const e: Record<string, unknown> = {};
    if (rng.chance(0.95)) e.role = rng.chance(0.9) ? rng.pick(['user', 'assistant']) : junk(rng);
    if (rng.chance(0.95)) {
      e.content = rng.chance(0.4) ? [{ content_type: 'text', body: randomText(rng) }] : randomContent(rng, reasoning);
    }
    return e;
  });
  if (reasoning.length && rng.chance(0.3)) {
    log.push({ role: 'assistant', content: [{ content_type: 'reasoning', text: rng.pick(reasoning) }] });
  }
  return log;
}

function randomMap(rng: Rng): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  const ids: string[] = [];
  const reasoning: string[] = [];
  for (let n = rng.int(9); n > 0; n--) {
    const id = rng.chance(0.93)
      ? rng.pick([
          'system',
          'instruction',
          '01J0Z8K2Q4M6N8P0R2S4T6V8X0',
          '01J0Z8M9A1B3C5D7E9F1G3H5J7',
          'n1',
          'n2',
          'n3',
        ])
      : rng.pick(['', '123', '__proto__', 'constructor', 'idá']);
    ids.push(id);
    if (rng.chance(0.03)) {
      map[id] = junk(rng);
      continue;
    }
    const fields: [string, () => unknown][] = [
      [
        'role',
        () => (rng.chance(0.95) ? rng.pick(['system', 'instruction', 'user', 'assistant', 'tool', '']) : junk(rng)),
      ],
      ['content', () => randomContent(rng, reasoning)],
      [
        'model',
        () => (rng.chance(0.9) ? rng.pick(['claude-v3-sonnet', 'claude-instant-v1', 'unknown-model', '']) : junk(rng)),
      ],
      ['children', () => ids.slice(0, rng.int(3))],
      ['parent', () => (rng.chance(0.8) ? rng.pick([...ids, 'missing']) : junk(rng))],
      [
        'create_time',
        () => rng.pick<unknown>([1718000000000, 1718000000000.5, 1718000000, 1e20, -5, '1718000000000', null]),
      ],
      ['feedback', () => (rng.chance(0.8) ? null : { thumbs_up: false, comment: randomText(rng) })],
      [
        'used_chunks',
        () =>
          rng.chance(0.7)
            ? null
            : [{ content: randomText(rng, 100) }, { content: junk(rng) }, junk(rng)].slice(0, rng.int(4)),
      ],
      ['thinking_log', () => randomLog(rng, reasoning)],
    ];
    if (rng.chance(0.3)) fields.reverse();
    const node: Record<string, unknown> = {};
    for (const [k, v] of fields) if (rng.chance(0.93)) node[k] = v();
    map[id] = node;
  }
  return map;
}

/** Python's `json.dumps` (ensure_ascii), compact, or with random extra escapes and whitespace. */
function dumps(rng: Rng, v: unknown, style: number): string {
  const [comma, colon] =
    style === 0
      ? [', ', ': ']
      : style === 1
        ? [',', ':']
        : [rng.pick([',', ' ,\n ', '\t,']), rng.pick([':', ' : ', ':\n'])];
  const str = (s: string) => {
    let out = '"';
    for (const ch of s.split('')) {
      const c = ch.charCodeAt(0);
      if (ch === '"') out += rng.chance(0.1) ? '\\u0022' : '\\"';
      else if (ch === '\\') out += rng.chance(0.1) ? '\\u005C' : '\\\\';
      else if (ch === '\n') out += rng.chance(0.5) ? '\\n' : '\\u000a';
      else if (ch === '\t') out += '\\t';
      else if (ch === '/' && style === 2) out += '\\/';
      else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
      else if (style === 2 && rng.chance(0.03)) out += `\\u${c.toString(16).padStart(4, '0').toUpperCase()}`;
      else out += ch;
    }
    return `${out}"`;
  };
  const write = (x: unknown): string => {
    if (x === null || x === undefined) return 'null';
    if (typeof x === 'string') return str(x);
    if (typeof x === 'number') {
      if (Number.isInteger(x) && Math.abs(x) < 1e16 && style !== 1 && rng.chance(0.3)) return `${x}.0`;
      if (style === 2 && rng.chance(0.1)) return x.toExponential();
      return JSON.stringify(x);
    }
    if (typeof x === 'boolean') return String(x);
    if (Array.isArray(x)) return `[${x.map(write).join(comma)}]`;
    return `{${Object.entries(x as Record<string, unknown>)
      .map(([k, val]) => `${str(k)}${colon}${write(val)}`)
      .join(comma)}}`;
  };
  return write(v);
}

/** A random edit: a byte dropped, inserted or replaced, a cut, a member repeated, a letter escaped. */
function mutate(rng: Rng, s: string): string {
  if (!s.length) return rng.pick(['{}', '', ' {} ', '[]', 'null']);
  const i = rng.int(s.length);
  const insert = () =>
    rng.pick([
      '"',
      '\\',
      ',',
      ':',
      '{',
      '}',
      '[',
      ']',
      ' ',
      '\n',
      '\u0000',
      'a',
      '0',
      '-',
      'e',
      '.',
      'é',
      '\\u',
      '\\ud83d',
    ]);
  switch (rng.int(6)) {
    case 0:
      return s.slice(0, i) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + insert() + s.slice(i);
    case 2:
      return s.slice(0, i) + insert() + s.slice(i + 1);
    case 3:
      return s.slice(0, i);
    case 4: {
      const key = rng.pick([
        '"role"',
        '"content"',
        '"content_type"',
        '"body"',
        '"text"',
        '"input"',
        '"parent"',
        '"model"',
      ]);
      const at = s.indexOf(key, i);
      const comma = at < 0 ? -1 : s.indexOf(',', at);
      return comma < 0 ? s : s.slice(0, comma + 1) + s.slice(at, comma + 1) + s.slice(comma + 1);
    }
    default: {
      const j = s.indexOf('"', i);
      const c = j < 0 ? 0 : s.charCodeAt(j + 1);
      return c < 0x61 || c > 0x7a ? s : `${s.slice(0, j + 1)}\\u00${c.toString(16)}${s.slice(j + 2)}`;
    }
  }
}

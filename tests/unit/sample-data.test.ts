import {
  type BedrockSampleRecord,
  generateBedrockNewItems,
  generateBedrockOldItems,
  generateCatiaItems,
  pythonJsonDumps,
  pythonRepr,
  type SampleItem,
  toExportLine,
} from '../../scripts/lib/sample-data';

type Node = Record<string, unknown> & { role: string; content: unknown; children: string[] };

const catiaLines = (users: number, seed: number | string) =>
  [...generateCatiaItems({ users, seed })].map(toExportLine).join('\n');

const bedrockLines = (records: Iterable<BedrockSampleRecord>) =>
  [...records]
    .map((r) => `${toExportLine(r.item)}\n${r.largeMessage?.key ?? ''}\n${r.largeMessage?.body ?? ''}`)
    .join('\n');

const keyOf = (item: SampleItem) => `${item['PK']}\u0000${item['SK']}`;

function parseMap(item: SampleItem): Record<string, Node> | undefined {
  try {
    return JSON.parse(item['MessageMap'] as string) as Record<string, Node>;
  } catch {
    return undefined;
  }
}

function contentList(node: Node): Record<string, unknown>[] {
  return (Array.isArray(node.content) ? node.content : [node.content]) as Record<string, unknown>[];
}

/** The writer format of a MessageMap, from the keys only that version wrote (handbook section 2). */
function writerFormat(map: Record<string, Node>): string {
  const system = map['system'] as Node;
  if (!Array.isArray(system.content)) return 'v0.3 single content object';
  const first = contentList(system)[0] as Record<string, unknown>;
  if (!('media_type' in first)) return 'v2.2+ typed content';
  if ('file_name' in first) return 'v1.2.7–v2.1 file_name';
  if ('thinking_log' in system) return 'v1.0–v1.2.6 thinking_log';
  if ('feedback' in system) return 'v0.4.8 feedback';
  return 'v0.4.2–v0.4.7 content list';
}

describe('generateCatiaItems', () => {
  const items = [...generateCatiaItems({ users: 1000, seed: 11 })];
  const conversations = items.filter((i) => String(i['SK']).toUpperCase().includes('CONVERSATION'));
  const messageTexts = conversations
    .flatMap((i) => (Array.isArray(i['Conversation']) ? (i['Conversation'] as Record<string, string>[]) : []))
    .map((m) => m['text'] as string);

  it('writes byte-identical items for the same users and seed, and different items for another seed', () => {
    // Prepare / Act
    const first = catiaLines(300, 7);
    const second = catiaLines(300, 7);
    const other = catiaLines(300, 8);

    // Assess
    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('gives every item string PK and SK, unique keys, and about three items per user', () => {
    // Assess
    for (const item of items) {
      expect(typeof item['PK']).toBe('string');
      expect(typeof item['SK']).toBe('string');
    }
    expect(new Set(items.map(keyOf)).size).toBe(items.length);
    expect(items.length / 1000).toBeGreaterThan(2.6);
    expect(items.length / 1000).toBeLessThan(3.6);
  });

  it('produces one registration per user, 1–4 conversations, feedback for about 15% of users and other items', () => {
    // Prepare
    const kinds = new Map<string, Set<string>>();
    const count = (kind: string) => items.filter((i) => kindOf(i) === kind).length;
    function kindOf(item: SampleItem): string {
      const sk = String(item['SK']).toUpperCase();
      return sk.includes('REGISTER')
        ? 'register'
        : sk.includes('CONVERSATION')
          ? 'conversation'
          : sk.includes('FEEDBACK')
            ? 'feedback'
            : 'other';
    }
    for (const item of items) {
      const kind = kindOf(item);
      const users = kinds.get(kind) ?? new Set<string>();
      users.add(String(item['PK']));
      kinds.set(kind, users);
    }

    // Assess
    expect(count('register')).toBe(1000);
    expect(count('conversation')).toBeGreaterThanOrEqual(1000);
    expect(count('conversation')).toBeLessThanOrEqual(4000);
    const feedbackUsers = kinds.get('feedback')?.size ?? 0;
    expect(feedbackUsers / 1000).toBeGreaterThan(0.1);
    expect(feedbackUsers / 1000).toBeLessThan(0.2);
    expect(count('other')).toBeGreaterThan(0);
    expect(items.some((i) => !String(i['PK']).startsWith('USER#'))).toBe(true);
    expect(conversations.some((i) => i['Feedback'] !== undefined)).toBe(true);
  });

  it('encodes UserData and Conversation in every documented form', () => {
    // Prepare
    const userData = items.map((i) => i['UserData']);
    const convs = conversations.map((i) => i['Conversation']);
    const isString = (v: unknown): v is string => typeof v === 'string';

    // Assess
    expect(userData.some((v) => typeof v === 'object' && v !== null && 'nombre' in v)).toBe(true);
    expect(userData.some((v) => isString(v) && v.startsWith('{"'))).toBe(true);
    expect(userData.some((v) => isString(v) && v.startsWith("{'"))).toBe(true);
    expect(userData.some((v) => v === undefined)).toBe(true);
    expect(userData.some((v) => typeof v === 'object' && v !== null && 'gerencia' in v)).toBe(true);
    expect(userData.some((v) => typeof v === 'object' && v !== null && 'correo' in v)).toBe(true);
    expect(convs.some((v) => Array.isArray(v) && v.length > 0)).toBe(true);
    expect(convs.some((v) => isString(v) && v.startsWith('[{"'))).toBe(true);
    expect(convs.some((v) => isString(v) && v.startsWith("[{'"))).toBe(true);
    expect(convs.some((v) => v === undefined)).toBe(true);
    const malformed = convs
      .filter((v) => isString(v) && v.startsWith('[{"'))
      .filter((v) => {
        try {
          JSON.parse(v as string);
          return false;
        } catch {
          return true;
        }
      });
    expect(malformed.length).toBeGreaterThan(0);
    expect(conversations.some((i) => i['CreatedAt'] === undefined)).toBe(true);
    expect(
      conversations.some((i) => typeof i['CreatedAt'] === 'string' && Number.isNaN(Date.parse(i['CreatedAt']))),
    ).toBe(true);
  });

  it('uses every documented sender and keeps conversation dates in the window', () => {
    // Prepare
    const messages = conversations.flatMap((i) =>
      Array.isArray(i['Conversation']) ? (i['Conversation'] as Record<string, string>[]) : [],
    );
    const start = Date.parse('2025-07-01T00:00:00Z');
    const end = Date.parse('2026-01-02T00:00:00Z');

    // Assess
    expect(new Set(messages.map((m) => m['from']))).toEqual(new Set(['user', 'usuario', 'bot', 'assistant', 'catia']));
    for (const m of messages) {
      const t = Date.parse(m['timestamp'] as string);
      expect(t).toBeGreaterThanOrEqual(start);
      expect(t).toBeLessThan(end);
    }
  });

  it('includes awkward texts: newlines, quotes, pipes, tabs, emoji, RTL marks, formula prefixes and long texts', () => {
    // Assess
    expect(messageTexts.some((t) => t.includes('\n'))).toBe(true);
    expect(messageTexts.some((t) => t.includes('"'))).toBe(true);
    expect(messageTexts.some((t) => t.includes('|'))).toBe(true);
    expect(messageTexts.some((t) => t.includes('\t'))).toBe(true);
    expect(messageTexts.some((t) => /\p{Extended_Pictographic}/u.test(t))).toBe(true);
    expect(messageTexts.some((t) => t.includes('\u200f'))).toBe(true);
    for (const prefix of ['=', '+', '-', '@']) expect(messageTexts.some((t) => t.startsWith(prefix))).toBe(true);
    expect(messageTexts.some((t) => t.length > 3000)).toBe(true);
  });

  it('includes excluded locations at a few percent and the look-alikes that must be kept', () => {
    // Prepare
    const cities = items
      .filter((i) => typeof i['UserData'] === 'object' && i['UserData'] !== null)
      .map((i) => {
        const data = i['UserData'] as Record<string, string>;
        return data['ciudad'] ?? data['gerencia'];
      });
    const excluded = cities.filter(
      (c) => c && /medell|^cali$|barranquilla|cartagena|méxico|valle del|antioquia|potosí/i.test(c),
    );

    // Assess
    expect(excluded.length / cities.length).toBeGreaterThan(0.01);
    expect(excluded.length / cities.length).toBeLessThan(0.12);
    expect(cities).toContain('Localidad de Kennedy');
    expect(cities).toContain('Valledupar');
    expect(cities).toContain('Ciudad de México');
  });

  it('honours a custom date window', () => {
    // Act
    const custom = [...generateCatiaItems({ users: 50, seed: 3, windowStart: '2024-01-01', windowEnd: '2024-02-01' })];

    // Assess
    const stamps = custom
      .flatMap((i) => (Array.isArray(i['Conversation']) ? (i['Conversation'] as Record<string, string>[]) : []))
      .map((m) => m['timestamp'] as string);
    expect(stamps.length).toBeGreaterThan(0);
    for (const s of stamps) expect(s.startsWith('2024-01') || s.startsWith('2024-02-01')).toBe(true);
  });
});

describe('Python serialisation helpers', () => {
  it('escapes non-ASCII like json.dumps with ensure_ascii and writes floats with .0', () => {
    // Act
    const dumped = pythonJsonDumps({ a: 'avalúo 🙏', n: 1, l: [true, null] });

    // Assess
    expect(dumped).toBe('{"a": "aval\\u00fao \\ud83d\\ude4f", "n": 1, "l": [true, null]}');
  });

  it('writes dicts like Python repr, switching quotes and escaping non-printables', () => {
    // Act
    const repr = pythonRepr({ nombre: "Ana O'Brien", gerencia: 'Bogotá (Chapinero)', x: 'a\u200fb\n', ok: false });

    // Assess
    expect(repr).toBe(`{'nombre': "Ana O'Brien", 'gerencia': 'Bogotá (Chapinero)', 'x': 'a\\u200fb\\n', 'ok': False}`);
  });
});

describe('generateBedrockOldItems', () => {
  const records = [...generateBedrockOldItems({ users: 1000, seed: 5 })];
  const items = records.map((r) => r.item);
  const conversations = items.filter((i) => String(i['SK']).includes('#CONV#'));
  const maps = conversations.map(parseMap);
  const nodes = maps.flatMap((m) => (m ? Object.values(m) : []));
  const assistantNodes = nodes.filter((n) => n.role === 'assistant');

  it('writes byte-identical records for the same users and seed, and different records for another seed', () => {
    // Act
    const first = bedrockLines(generateBedrockOldItems({ users: 200, seed: 1 }));
    const second = bedrockLines(generateBedrockOldItems({ users: 200, seed: 1 }));
    const other = bedrockLines(generateBedrockOldItems({ users: 200, seed: 2 }));

    // Assess
    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('gives every item string PK and SK, unique keys, and conversations, bots, aliases and related documents', () => {
    // Assess
    for (const item of items) {
      expect(typeof item['PK']).toBe('string');
      expect(typeof item['SK']).toBe('string');
    }
    expect(new Set(items.map(keyOf)).size).toBe(items.length);
    expect(items.length / 1000).toBeGreaterThan(2.5);
    expect(items.length / 1000).toBeLessThan(4.5);
    expect(items.some((i) => String(i['SK']).includes('#BOT#'))).toBe(true);
    expect(items.some((i) => String(i['SK']).includes('#BOT_ALIAS#'))).toBe(true);
    expect(items.some((i) => String(i['SK']).includes('#RELATED_DOCUMENT#'))).toBe(true);
    expect(conversations.some((i) => String(i['PK']).startsWith('PUBLISHED_API#'))).toBe(true);
    for (const c of conversations) expect(String(c['SK']).split('#CONV#')[1]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('covers every writer era of the version timeline in a few hundred users', () => {
    // Prepare
    const few = [...generateBedrockOldItems({ users: 300, seed: 9 })]
      .map((r) => r.item)
      .filter((i) => String(i['SK']).includes('#CONV#'));
    const formats = new Set(few.map(parseMap).flatMap((m) => (m ? [writerFormat(m)] : [])));
    const fewNodes = few.map(parseMap).flatMap((m) => (m ? Object.values(m) : []));

    // Assess
    expect(formats).toEqual(
      new Set([
        'v0.3 single content object',
        'v0.4.2–v0.4.7 content list',
        'v0.4.8 feedback',
        'v1.0–v1.2.6 thinking_log',
        'v1.2.7–v2.1 file_name',
        'v2.2+ typed content',
      ]),
    );
    expect(few.some((i) => i['TotalPrice'] === undefined)).toBe(true);
    expect(fewNodes.some((n) => typeof n['thinking_log'] === 'string')).toBe(true);
    expect(
      fewNodes.some((n) => Array.isArray(n['thinking_log']) && JSON.stringify(n['thinking_log']).includes('"json_"')),
    ).toBe(true);
    expect(fewNodes.some((n) => contentList(n).some((c) => c['content_type'] === 'reasoning'))).toBe(true);
  });

  it('includes images, attachments, used_chunks, instruction nodes, feedback and regenerated siblings', () => {
    // Prepare
    const contents = nodes.flatMap(contentList);

    // Assess
    expect(contents.some((c) => c['content_type'] === 'image' && typeof c['body'] === 'string')).toBe(true);
    expect(contents.some((c) => c['content_type'] === 'attachment' && typeof c['file_name'] === 'string')).toBe(true);
    expect(nodes.some((n) => Array.isArray(n['used_chunks']) && n['used_chunks'].length > 0)).toBe(true);
    expect(nodes.some((n) => n.role === 'instruction')).toBe(true);
    expect(conversations.some((c) => typeof c['BotId'] === 'string')).toBe(true);
    const feedback = assistantNodes.map((n) => n['feedback']).filter((f): f is Record<string, unknown> => !!f);
    expect(feedback.some((f) => f['comment'] === '')).toBe(true);
    expect(feedback.some((f) => f['thumbs_up'] === false && typeof f['category'] === 'string')).toBe(true);
    expect(nodes.some((n) => n.role === 'user' && n.children.length > 1)).toBe(true);
    const systemNodes = nodes.filter((n) => n.role === 'system');
    for (const s of systemNodes) expect(contentList(s)[0]?.['body']).toBe('');
  });

  it('uses legacy, current and unknown model names, ms and second timestamps, and TotalPrice numbers', () => {
    // Prepare
    const models = new Set(nodes.map((n) => n['model']));

    // Assess
    for (const m of ['claude-instant-v1', 'claude-v2', 'claude-v3-sonnet', 'claude-v3-haiku', 'claude-v3.5-sonnet']) {
      expect(models).toContain(m);
    }
    expect(models).toContain('claude-v3.5-sonnet-v2');
    expect(models).toContain('claude-vX-experimental');
    expect(conversations.some((c) => (c['CreateTime'] as number) > 1e12)).toBe(true);
    expect(conversations.some((c) => (c['CreateTime'] as number) < 1e11)).toBe(true);
    const priced = conversations.filter((c) => typeof c['TotalPrice'] === 'number');
    expect(priced.length / conversations.length).toBeGreaterThan(0.7);
  });

  it('writes MessageMap as ensure_ascii JSON, with a few malformed maps', () => {
    // Prepare
    const raw = conversations.map((c) => c['MessageMap'] as string);

    // Assess
    for (const s of raw) expect(/[^ -~]/.test(s)).toBe(false);
    expect(raw.some((s) => s.includes('\\u00e1'))).toBe(true);
    expect(raw.some((s) => s.includes('"create_time": 1'))).toBe(true);
    expect(raw.some((s) => /"create_time": \d+\.0[,}]/.test(s))).toBe(true);
    expect(maps.filter((m) => m === undefined).length).toBeGreaterThan(0);
  });

  it('puts the full MessageMap of large conversations in a side record at LargeMessagePath', () => {
    // Prepare
    const large = records.filter((r) => r.item['IsLargeMessage'] === true);

    // Assess
    expect(large.length).toBeGreaterThan(0);
    for (const r of large) {
      expect(r.largeMessage?.key).toBe(r.item['LargeMessagePath']);
      expect(r.largeMessage?.key).toMatch(/^[^/]+\/[0-9A-Z]{26}\/message_map\.json$/);
      const full = JSON.parse(r.largeMessage?.body ?? '') as Record<string, Node>;
      expect(Object.keys(full).length).toBeGreaterThan(2);
      expect((r.largeMessage?.body.length ?? 0) > 300 * 1024).toBe(true);
    }
    expect(large.some((r) => Object.keys(parseMap(r.item) ?? {}).join() === 'system')).toBe(true);
    expect(records.filter((r) => r.largeMessage).length).toBe(large.length);
  });
});

describe('generateBedrockNewItems', () => {
  const oldRecords = [...generateBedrockOldItems({ users: 1000, seed: 5 })];
  const records = [...generateBedrockNewItems({ users: 1000, seed: 5 })];
  const items = records.map((r) => r.item);
  const conversations = items.filter((i) => String(i['SK']).includes('#CONV#'));
  const oldLines = new Map(oldRecords.map((r) => [keyOf(r.item), toExportLine(r.item)]));
  const copies = conversations.filter((c) => oldLines.has(keyOf(c)));
  const native = conversations.filter((c) => !oldLines.has(keyOf(c)));
  const nativeNodes = native.map(parseMap).flatMap((m) => (m ? Object.values(m) : []));

  it('writes byte-identical records for the same users and seed, and different records for another seed', () => {
    // Act
    const first = bedrockLines(generateBedrockNewItems({ users: 200, seed: 1 }));
    const second = bedrockLines(generateBedrockNewItems({ users: 200, seed: 1 }));
    const other = bedrockLines(generateBedrockNewItems({ users: 200, seed: 2 }));

    // Assess
    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('holds only conversation and related-document items with unique string keys', () => {
    // Assess
    for (const item of items) {
      expect(typeof item['PK']).toBe('string');
      expect(String(item['SK'])).toMatch(/#CONV#|#RELATED_DOCUMENT#/);
    }
    expect(new Set(items.map(keyOf)).size).toBe(items.length);
    expect(items.length / 1000).toBeGreaterThan(2.5);
    expect(items.length / 1000).toBeLessThan(4.5);
    const related = items.filter((i) => String(i['SK']).includes('#RELATED_DOCUMENT#'));
    expect(related.length).toBeGreaterThan(0);
    for (const r of related) expect(typeof r['Content']).toBe('object');
  });

  it('repeats about 5% of its conversations verbatim from the old table', () => {
    // Assess
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.length / conversations.length).toBeGreaterThan(0.02);
    expect(copies.length / conversations.length).toBeLessThan(0.1);
    for (const c of copies) expect(toExportLine(c)).toBe(oldLines.get(keyOf(c)));
  });

  it('honours copyFraction', () => {
    // Act
    const none = [...generateBedrockNewItems({ users: 300, seed: 5, copyFraction: 0 })].map((r) => r.item);
    const old300 = new Set([...generateBedrockOldItems({ users: 300, seed: 5 })].map((r) => keyOf(r.item)));

    // Assess
    expect(none.filter((i) => old300.has(keyOf(i))).length).toBe(0);
  });

  it('dates native conversations from 2026 and uses current models with typed content', () => {
    // Prepare
    const models = new Set(nativeNodes.map((n) => n['model']));
    const contents = nativeNodes.flatMap(contentList);

    // Assess
    for (const c of native) {
      const t = c['CreateTime'] as number;
      expect(t < 1e11 ? t * 1000 : t).toBeGreaterThanOrEqual(Date.parse('2026-01-01'));
    }
    for (const m of [
      'claude-v3.7-sonnet',
      'claude-v4-sonnet',
      'claude-v4.5-sonnet',
      'claude-v4.5-haiku',
      'amazon-nova-pro',
    ]) {
      expect(models).toContain(m);
    }
    for (const c of contents) expect('media_type' in c && c['content_type'] === 'text').toBe(false);
    const reasoning = contents.filter((c) => c['content_type'] === 'reasoning');
    expect(reasoning.some((r) => typeof r['signature'] === 'string' && (r['signature'] as string).length > 0)).toBe(
      true,
    );
    expect(reasoning.every((r) => 'redacted_content' in r && 'text' in r)).toBe(true);
  });

  it('writes tool use in thinking_log with every ToolResult form and sometimes duplicates reasoning into content', () => {
    // Prepare
    const logs = nativeNodes.flatMap((n) =>
      Array.isArray(n['thinking_log']) ? (n['thinking_log'] as { content: Record<string, unknown>[] }[]) : [],
    );
    const logContents = logs.flatMap((entry) => entry.content);
    const results = logContents
      .filter((c) => c['content_type'] === 'toolResult')
      .flatMap((c) => (c['body'] as { content: Record<string, unknown>[] }).content);
    const duplicated = nativeNodes.filter((n) => {
      const log = n['thinking_log'];
      if (!Array.isArray(log)) return false;
      const first = (log as { content: Record<string, unknown>[] }[])
        .flatMap((e) => e.content)
        .find((c) => c['content_type'] === 'reasoning');
      const lead = contentList(n)[0];
      return first !== undefined && lead?.['content_type'] === 'reasoning' && lead['text'] === first['text'];
    });

    // Assess
    expect(logContents.some((c) => c['content_type'] === 'toolUse')).toBe(true);
    expect(results.some((r) => 'text' in r)).toBe(true);
    expect(results.some((r) => 'json' in r)).toBe(true);
    expect(results.some((r) => 'format' in r && 'image' in r)).toBe(true);
    expect(JSON.stringify(logs).includes('"json_"')).toBe(false);
    expect(duplicated.length).toBeGreaterThan(0);
  });
});

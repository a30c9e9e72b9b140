/**
 * Writes a deterministic sample table as a DynamoDB "Export to S3" JSON-lines file (`{"Item":{...}}` per line).
 *
 *   npx tsx scripts/generate-sample.ts --users 1000 --seed 42 --table catia --out out/catia.jsonl.gz
 *
 * Options: --users N (required), --seed S (default 1), --table catia|bedrock-old|bedrock-new (required),
 * --out FILE.jsonl[.gz] (required; gzip when it ends in .gz), --large-dir DIR (Bedrock tables: write each
 * large-message MessageMap to DIR/<LargeMessagePath>; without it they are only counted),
 * --copy-fraction F (bedrock-new, default 0.05), --window-start / --window-end ISO (catia).
 * Same --users/--seed/--table give byte-identical files. A summary goes to stderr as one JSON line.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import {
  type BedrockSampleRecord,
  generateBedrockNewItems,
  generateBedrockOldItems,
  generateCatiaItems,
  type SampleItem,
  toExportLine,
} from './lib/sample-data';

const TABLES = ['catia', 'bedrock-old', 'bedrock-new'] as const;
type Table = (typeof TABLES)[number];
const CHUNK_BYTES = 1 << 16;

function usage(message: string): never {
  console.error(
    `${message}\nusage: tsx scripts/generate-sample.ts --users N [--seed S] --table ${TABLES.join('|')} --out FILE.jsonl[.gz] [--large-dir DIR] [--copy-fraction F] [--window-start ISO] [--window-end ISO]`,
  );
  process.exit(2);
}

function kindOf(table: Table, item: SampleItem): string {
  const sk = String(item['SK']);
  if (table === 'catia') {
    const upper = sk.toUpperCase();
    if (upper.includes('REGISTER')) return 'registration';
    if (upper.includes('CONVERSATION')) return 'conversation';
    if (upper.includes('FEEDBACK')) return 'feedback';
    return 'other';
  }
  if (sk.includes('#CONV#')) return 'conversation';
  if (sk.includes('#RELATED_DOCUMENT#')) return 'relatedDocument';
  if (sk.includes('#BOT_ALIAS#')) return 'botAlias';
  if (sk.includes('#BOT#')) return 'bot';
  return 'other';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      seed: { type: 'string', default: '1' },
      table: { type: 'string' },
      out: { type: 'string' },
      'large-dir': { type: 'string' },
      'copy-fraction': { type: 'string' },
      'window-start': { type: 'string' },
      'window-end': { type: 'string' },
    },
    strict: true,
  });
  const users = Number(values.users);
  if (!values.users || !Number.isInteger(users) || users < 0) usage('--users must be a non-negative integer');
  const table = values.table as Table;
  if (!TABLES.includes(table)) usage(`--table must be one of ${TABLES.join(', ')}`);
  const out = values.out;
  if (!out) usage('--out is required');
  const seed = /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const copyFraction = values['copy-fraction'] === undefined ? undefined : Number(values['copy-fraction']);
  const largeDir = values['large-dir'];

  const kinds: Record<string, number> = {};
  let items = 0;
  let largeMessages = 0;
  const started = performance.now();

  let records: Iterable<BedrockSampleRecord>;
  if (table === 'catia') {
    const catia = generateCatiaItems({
      users,
      seed,
      windowStart: values['window-start'],
      windowEnd: values['window-end'],
    });
    records = (function* () {
      for (const item of catia) yield { item };
    })();
  } else if (table === 'bedrock-old') records = generateBedrockOldItems({ users, seed });
  else records = generateBedrockNewItems({ users, seed, copyFraction });

  // Lines are grouped into ~64 KB chunks so the stream (and gzip) see the same input on every run.
  function* chunks(): Generator<string> {
    let buffer = '';
    for (const record of records) {
      items++;
      const kind = kindOf(table, record.item);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (record.largeMessage) {
        largeMessages++;
        if (largeDir) {
          const path = join(largeDir, record.largeMessage.key);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, record.largeMessage.body);
        }
      }
      buffer += `${toExportLine(record.item)}\n`;
      if (buffer.length >= CHUNK_BYTES) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer.length > 0) yield buffer;
  }

  mkdirSync(dirname(out), { recursive: true });
  const source = Readable.from(chunks());
  if (out.endsWith('.gz')) await pipeline(source, createGzip({ level: 1 }), createWriteStream(out));
  else await pipeline(source, createWriteStream(out));

  const seconds = (performance.now() - started) / 1000;
  console.error(
    JSON.stringify({
      message: 'sample written',
      table,
      users,
      seed,
      out,
      items,
      kinds,
      largeMessages,
      largeMessagesWrittenTo: largeDir ?? null,
      seconds: Number(seconds.toFixed(3)),
      itemsPerSecond: Math.round(items / seconds),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

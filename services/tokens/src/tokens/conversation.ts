/**
 * One Bedrock Chat item → its kind, and for a conversation, one priced output row.
 * Pure given its inputs (the large-message object is fetched by the caller).
 */
import { bogotaDay, formatUtcSeconds, toEpochMs } from '@catia/shared/dates';
import { type PriceTable, type Rate, usd6 } from '@catia/shared/pricing';
import type { TokenCounter } from '@catia/shared/tokenizer';
import {
  inputTokensInContext,
  MessageMapError,
  mergeFeedback,
  parseMessageMapJson,
  readMessageMap,
  type TokenCounts,
  tokenCountsOf,
} from './message-map';
import { scanMessageMapChars4 } from './message-map-scan';

export type ItemKind = 'conversation' | 'related_document' | 'bot' | 'bot_alias' | 'other';

export function classifySk(sk: string): ItemKind {
  if (sk.includes('#CONV#')) return 'conversation';
  if (sk.includes('#RELATED_DOCUMENT#')) return 'related_document';
  if (sk.includes('#BOT_ALIAS#') || sk.startsWith('ALIAS#')) return 'bot_alias';
  if (sk.includes('#BOT#') || sk.startsWith('BOT#')) return 'bot';
  return 'other';
}

export const CSV_COLUMNS = [
  'create_date',
  'input_token',
  'output_token',
  'precio_token_input',
  'precio_token_output',
  'total_price',
  'pk',
  'sk',
  'source',
  'user_id',
  'conversation_id',
  'bot_id',
  'model',
  'message_count',
  'estimation_method',
  'input_token_context',
  'recorded_total_price',
  'price_flags',
] as const;

export type TokenRow = Record<(typeof CSV_COLUMNS)[number], string>;

export interface RowFigures {
  row: TokenRow;
  day: string;
  model: string;
  input: number;
  output: number;
  inputContext: number;
  costInput: number;
  costOutput: number;
  recorded: number | undefined;
  unknownModels: string[];
  binaryBlocks: number;
}

export class ItemError extends Error {}

export interface RowContext {
  source: 'old_table' | 'new_table';
  method: string;
  prices: PriceTable;
  defaultModel: string;
  /** The counter of `method` (for `chars/4`, rows are mostly measured by a scan that applies the same formula). */
  count: TokenCounter;
}

/** Conversation creation time in ms; `CreateTime` in ms or seconds. */
export function createTimeOf(item: Record<string, unknown>): number | undefined {
  return toEpochMs(item.CreateTime);
}

/**
 * The token figures of the item's map: the S3 copy when the item is large (DynamoDB's copy only
 * adds feedback, which no figure uses), else its `MessageMap`. For `chars/4` a scan of the text
 * measures it without building the tree; whatever the scan leaves (see `message-map-scan.ts`) goes
 * through the reference reader, which also gives the rejection reasons.
 */
function tokenCounts(
  item: Record<string, unknown>,
  ctx: RowContext,
  largeMessage: string | Uint8Array | undefined,
): TokenCounts {
  if (ctx.method === 'chars/4') {
    const src = largeMessage ?? item.MessageMap;
    if (typeof src === 'string' || src instanceof Uint8Array) {
      const scanned = scanMessageMapChars4(src);
      if (scanned) return scanned;
    }
  }
  let map: Record<string, unknown>;
  try {
    if (largeMessage !== undefined) {
      const text =
        typeof largeMessage === 'string'
          ? largeMessage
          : Buffer.from(largeMessage.buffer, largeMessage.byteOffset, largeMessage.byteLength).toString('utf-8');
      map = parseMessageMapJson(text);
      let ddbMap: Record<string, unknown> | undefined;
      try {
        ddbMap = parseMessageMapJson(item.MessageMap);
      } catch {
        ddbMap = undefined;
      }
      mergeFeedback(map, ddbMap);
    } else {
      map = parseMessageMapJson(item.MessageMap);
    }
  } catch (err) {
    throw new ItemError(err instanceof MessageMapError ? err.message : 'MessageMap is unreadable');
  }
  try {
    return tokenCountsOf(readMessageMap(map, ctx.count));
  } catch (err) {
    if (err instanceof MessageMapError) throw new ItemError(err.message);
    throw err;
  }
}

/**
 * Build the row of a conversation item. `largeMessage` is the S3 object (text or UTF-8 bytes) when
 * the item has `IsLargeMessage` (the caller rejects the item if the object is missing).
 */
export function conversationRow(
  item: Record<string, unknown>,
  ctx: RowContext,
  createMs: number,
  largeMessage?: string | Uint8Array,
): RowFigures {
  const pk = String(item.PK);
  const sk = String(item.SK);
  const cut = sk.indexOf('#CONV#');
  const userId = sk.slice(0, cut);
  const conversationId = sk.slice(cut + 6);
  const botId =
    typeof item.BotId === 'string' && item.BotId
      ? item.BotId
      : pk.startsWith('PUBLISHED_API#')
        ? pk.slice('PUBLISHED_API#'.length)
        : '';
  const parsed = tokenCounts(item, ctx, largeMessage);

  // The system node's model, else the first model found (the system node may have none).
  let systemModel: string | undefined;
  let firstModel: string | undefined;
  let systemSeen = false;
  for (const n of parsed.nodes) {
    if (n.system && !systemSeen) {
      systemSeen = true;
      systemModel = n.model;
    }
    if (firstModel === undefined && n.model) firstModel = n.model;
  }
  const rowModel = systemModel ?? firstModel ?? '';
  const convDay = bogotaDay(createMs);
  let input = 0;
  let output = 0;
  let costInput = 0;
  let costOutput = 0;
  let unknown: Set<string> | undefined;
  let messages = 0;
  // Turns of a conversation mostly share one model and day: look their rate up once.
  let lastModel: string | undefined;
  let lastDay = '';
  let rate: Rate | undefined;
  for (const n of parsed.nodes) {
    if (n.role !== 'system' && n.role !== 'instruction') messages++;
    const nodeIn = n.input + n.chunks + n.loopIn;
    const nodeOut = n.output + n.loopOut;
    if (!nodeIn && !nodeOut) continue;
    const model = n.model ?? rowModel;
    const day = n.createMs !== undefined ? bogotaDay(n.createMs) : convDay;
    if (rate === undefined || model !== lastModel || day !== lastDay) {
      lastModel = model;
      lastDay = day;
      rate = model ? ctx.prices.rate(model, day) : undefined;
      if (!rate) {
        unknown ??= new Set();
        unknown.add(model || 'missing');
        rate = ctx.prices.rate(ctx.defaultModel, day);
        if (!rate) throw new ItemError(`no price for the default model on ${day}`);
      }
    }
    input += nodeIn;
    output += nodeOut;
    costInput += (nodeIn * rate.input) / 1e6;
    costOutput += (nodeOut * rate.output) / 1e6;
  }
  let inputContext: number;
  try {
    inputContext = inputTokensInContext(parsed.nodes);
  } catch (err) {
    if (err instanceof MessageMapError) throw new ItemError(err.message);
    throw err;
  }
  const recorded =
    typeof item.TotalPrice === 'number' && Number.isFinite(item.TotalPrice) ? item.TotalPrice : undefined;
  const unknownModels = unknown ? [...unknown].sort() : [];
  return {
    row: {
      create_date: formatUtcSeconds(createMs),
      input_token: String(input),
      output_token: String(output),
      precio_token_input: usd6(costInput),
      precio_token_output: usd6(costOutput),
      total_price: usd6(costInput + costOutput),
      pk,
      sk,
      source: ctx.source,
      user_id: userId,
      conversation_id: conversationId,
      bot_id: botId,
      model: rowModel,
      message_count: String(messages),
      estimation_method: ctx.method,
      input_token_context: String(inputContext),
      recorded_total_price: recorded === undefined ? '' : usd6(recorded),
      price_flags: unknownModels.length ? unknownModels.map((m) => `unknown_model:${m}`).join(';') : '',
    },
    day: convDay,
    model: rowModel,
    input,
    output,
    inputContext,
    costInput,
    costOutput,
    recorded,
    unknownModels,
    binaryBlocks: parsed.binaryBlocks,
  };
}

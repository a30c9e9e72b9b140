/**
 * One Bedrock Chat item → its kind, and for a conversation, one priced output row.
 * Pure given its inputs (the large-message object is fetched by the caller).
 */
import { bogotaDay, formatUtcSeconds, type PriceTable, type TokenCounter, toEpochMs, usd6 } from '@catia/shared';
import {
  inputTokensInContext,
  MessageMapError,
  mergeFeedback,
  parseMessageMapJson,
  readMessageMap,
} from './message-map';

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
  count: TokenCounter;
}

/** Conversation creation time in ms; `CreateTime` in ms or seconds. */
export function createTimeOf(item: Record<string, unknown>): number | undefined {
  return toEpochMs(item.CreateTime);
}

/**
 * Build the row of a conversation item. `largeMessageJson` is the S3 object's text when the item
 * has `IsLargeMessage` (the caller rejects the item if the object is missing).
 */
export function conversationRow(
  item: Record<string, unknown>,
  ctx: RowContext,
  createMs: number,
  largeMessageJson?: string,
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

  let map: Record<string, unknown>;
  try {
    if (largeMessageJson !== undefined) {
      map = parseMessageMapJson(largeMessageJson);
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
  let parsed: ReturnType<typeof readMessageMap>;
  try {
    parsed = readMessageMap(map, ctx.count);
  } catch (err) {
    if (err instanceof MessageMapError) throw new ItemError(err.message);
    throw err;
  }

  const systemModel = parsed.nodes.find((n) => n.id === 'system')?.model;
  const rowModel = systemModel ?? parsed.nodes.find((n) => n.model)?.model ?? '';
  const convDay = bogotaDay(createMs);
  let input = 0;
  let output = 0;
  let costInput = 0;
  let costOutput = 0;
  const unknown = new Set<string>();
  let messages = 0;
  for (const n of parsed.nodes) {
    if (n.role !== 'system' && n.role !== 'instruction') messages++;
    let nodeIn = n.input + n.chunks;
    let nodeOut = n.output;
    for (const e of n.loop) {
      if (e.byModel) nodeOut += e.tokens;
      else nodeIn += e.tokens;
    }
    if (!nodeIn && !nodeOut) continue;
    const model = n.model ?? rowModel;
    const day = n.createMs !== undefined ? bogotaDay(n.createMs) : convDay;
    let rate = model ? ctx.prices.rate(model, day) : undefined;
    if (!rate) {
      unknown.add(model || 'missing');
      rate = ctx.prices.rate(ctx.defaultModel, day);
      if (!rate) throw new ItemError(`no price for the default model on ${day}`);
    }
    input += nodeIn;
    output += nodeOut;
    costInput += (nodeIn * rate.input) / 1e6;
    costOutput += (nodeOut * rate.output) / 1e6;
  }
  const inputContext = inputTokensInContext(parsed.nodes);
  const recorded =
    typeof item.TotalPrice === 'number' && Number.isFinite(item.TotalPrice) ? item.TotalPrice : undefined;
  const unknownModels = [...unknown].sort();
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
      price_flags: unknownModels.map((m) => `unknown_model:${m}`).join(';'),
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

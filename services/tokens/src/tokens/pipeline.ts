/**
 * tokens: Bedrock Chat tables → one priced row per conversation.
 *
 * Accounting of table items (each ends in one bucket): written = conversation rows;
 * filtered by kind (`kind:bot`, `kind:bot_alias`, `kind:related_document`, `kind:other`) and
 * `outside_date_window`; rejected = unreadable items, missing keys or CreateTime, unreadable
 * MessageMap, missing large-message object. Consolidated also reads the archival CSV back:
 * those rows are accounted separately (`historical.rows = kept + duplicatesDropped`).
 */
import {
  bogotaDay,
  type ConversationSource,
  InputError,
  inDayWindow,
  isUnreadable,
  type Logger,
  MissingColumnError,
  type ObjectStore,
  type PriceTable,
  type QueryEngine,
  type RetryCounter,
  type RunSummary,
  RunTally,
  readCsv,
  rejectionsToJsonl,
  sortKeys,
  type TokenCounter,
  type TokenMethod,
} from '@catia/shared';
import {
  CSV_COLUMNS,
  classifySk,
  conversationRow,
  createTimeOf,
  ItemError,
  type ItemKind,
  type TokenRow,
} from './conversation';
import { MergeOrderError, RowStore } from './row-store';
import { TOKEN_USAGE_ANALYSIS, TOKEN_USAGE_DAILY, tokensTableDef } from './sql';

export interface PricedFigures {
  itemsByKind: Record<ItemKind, number>;
  conversations: number;
  tokens: { input: number; output: number; inputContext: number };
  cost: { input: number; output: number; total: number };
  recordedTotalPrice: number;
  unknownModels: Record<string, number>;
  byModel: Record<string, { conversations: number; input: number; output: number; cost: number }>;
  byDay: Record<string, { conversations: number; cost: number }>;
  binaryBlocks: number;
  largeMessages: number;
}

export interface TokensSummary extends RunSummary, PricedFigures {
  method: TokenMethod;
  priceTableVersion: string;
  window: { start: string; end: string | null };
  outputKey: string;
  rejectsKey: string;
}

export interface ScanDeps {
  source: ConversationSource;
  largeMessages: ObjectStore;
  prices: PriceTable;
  count: TokenCounter;
  method: TokenMethod;
  defaultModel: string;
  window: { start: string; end?: string };
  sourceLabel: 'old_table' | 'new_table';
}

/** Scan a table and price its conversations; rows are small (no text), so they are kept to be sorted. */
export async function priceConversations(
  deps: ScanDeps,
  tally: RunTally,
): Promise<{ rows: RowStore; figures: PricedFigures }> {
  const figures: PricedFigures = {
    itemsByKind: { conversation: 0, related_document: 0, bot: 0, bot_alias: 0, other: 0 },
    conversations: 0,
    tokens: { input: 0, output: 0, inputContext: 0 },
    cost: { input: 0, output: 0, total: 0 },
    recordedTotalPrice: 0,
    unknownModels: {},
    byModel: {},
    byDay: {},
    binaryBlocks: 0,
    largeMessages: 0,
  };
  const rows = new RowStore();
  const ctx = {
    source: deps.sourceLabel,
    method: deps.method,
    prices: deps.prices,
    defaultModel: deps.defaultModel,
    count: deps.count,
  };
  for await (const page of deps.source.pages()) {
    for (const item of page) {
      tally.scanned++;
      if (isUnreadable(item)) {
        tally.reject({ pk: item.PK ?? '', sk: item.SK ?? '' }, 'unreadable item');
        continue;
      }
      const pk = item.PK;
      const sk = item.SK;
      if (typeof pk !== 'string' || typeof sk !== 'string' || !pk || !sk) {
        tally.reject(
          { pk: typeof pk === 'string' ? pk : '', sk: typeof sk === 'string' ? sk : '' },
          'missing PK or SK',
        );
        continue;
      }
      const keys = { pk, sk };
      const kind = classifySk(sk);
      figures.itemsByKind[kind]++;
      if (kind !== 'conversation') {
        tally.filter(`kind:${kind}`);
        continue;
      }
      const createMs = createTimeOf(item);
      if (createMs === undefined) {
        tally.reject(keys, 'CreateTime missing or unreadable');
        continue;
      }
      if (!inDayWindow(bogotaDay(createMs), deps.window.start, deps.window.end)) {
        tally.filter('outside_date_window');
        continue;
      }
      let large: Uint8Array | undefined;
      if (item.IsLargeMessage === true) {
        const path = typeof item.LargeMessagePath === 'string' ? item.LargeMessagePath : '';
        large = path ? await deps.largeMessages.readBytes(path) : undefined;
        if (large === undefined) {
          tally.reject(keys, 'large message object missing');
          continue;
        }
        figures.largeMessages++;
      }
      let r: ReturnType<typeof conversationRow>;
      try {
        r = conversationRow(item, ctx, createMs, large);
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        tally.reject(keys, err.message);
        continue;
      }
      tally.written++;
      rows.add(r.row);
      figures.conversations++;
      figures.tokens.input += r.input;
      figures.tokens.output += r.output;
      figures.tokens.inputContext += r.inputContext;
      figures.cost.input += r.costInput;
      figures.cost.output += r.costOutput;
      figures.cost.total += r.costInput + r.costOutput;
      figures.recordedTotalPrice += r.recorded ?? 0;
      figures.binaryBlocks += r.binaryBlocks;
      for (const m of r.unknownModels) figures.unknownModels[m] = (figures.unknownModels[m] ?? 0) + 1;
      const modelKey = r.model || 'missing';
      const bm = figures.byModel[modelKey] ?? { conversations: 0, input: 0, output: 0, cost: 0 };
      figures.byModel[modelKey] = bm;
      bm.conversations++;
      bm.input += r.input;
      bm.output += r.output;
      bm.cost += r.costInput + r.costOutput;
      const bd = figures.byDay[r.day] ?? { conversations: 0, cost: 0 };
      figures.byDay[r.day] = bd;
      bd.conversations++;
      bd.cost += r.costInput + r.costOutput;
    }
  }
  figures.byDay = sortKeys(figures.byDay);
  figures.byModel = sortKeys(figures.byModel);
  figures.unknownModels = sortKeys(figures.unknownModels);
  return { rows, figures };
}

const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;
const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** Write the rows sorted by (create_date, pk, sk) under a header of {@link CSV_COLUMNS}; `rows` is emptied. */
async function writeRows(store: ObjectStore, key: string, rows: RowStore): Promise<void> {
  await store.write(key, rows.drainCsvChunks(CSV_HEADER), CSV_CONTENT_TYPE);
}

export interface ArchivalDeps extends Omit<ScanDeps, 'sourceLabel'> {
  store: ObjectStore;
  oldDataPrefix: string;
  rejectsPrefix: string;
  logger?: Logger;
  retries?: RetryCounter;
}

export const ARCHIVAL_FILE = 'tokens_analysis_old_table.csv';
export const CONSOLIDATED_FILE = 'tokens_analysis_consolidated.csv';

export async function runArchival(deps: ArchivalDeps): Promise<TokensSummary> {
  const tally = new RunTally('tokens-archival');
  const { rows, figures } = await priceConversations({ ...deps, sourceLabel: 'old_table' }, tally);
  const outputKey = `${deps.oldDataPrefix}${ARCHIVAL_FILE}`;
  const rejectsKey = `${deps.rejectsPrefix}${ARCHIVAL_FILE.replace('.csv', '.jsonl')}`;
  await writeRows(deps.store, outputKey, rows);
  await deps.store.write(rejectsKey, rejectionsToJsonl(tally.rejections), 'application/x-ndjson');
  if (deps.retries) tally.retries = deps.retries.retries;
  const summary: TokensSummary = {
    ...tally.finish(),
    ...figures,
    method: deps.method,
    priceTableVersion: deps.prices.version,
    window: { start: deps.window.start, end: deps.window.end ?? null },
    outputKey,
    rejectsKey,
  };
  deps.logger?.info('archival finished', { ...summary, byDay: undefined });
  return summary;
}

export interface ConsolidatedDeps extends ArchivalDeps {
  outputPrefix: string;
  outputRejectsPrefix: string;
  engine?: QueryEngine;
}

export interface ConsolidatedSummary extends TokensSummary {
  historical: { found: boolean; key: string; rows: number; kept: number; duplicatesDropped: number };
  rowsWritten: number;
  views: string[];
}

/**
 * The archival rows the new table does not supersede, in file order, counted into `historical`.
 * Errors reading the file are the run's input errors (a missing column names the file).
 */
async function* keptHistorical(
  body: AsyncIterable<Buffer | string>,
  isNew: (pk: string, sk: string) => boolean,
  historical: ConsolidatedSummary['historical'],
): AsyncGenerator<TokenRow> {
  try {
    for await (const h of readCsv(body, CSV_COLUMNS.slice(0, 9))) {
      historical.rows++;
      // The v2→v3 migration copied items verbatim: the new table's version wins.
      if (isNew(h.pk as string, h.sk as string)) {
        historical.duplicatesDropped++;
        continue;
      }
      const row = {} as TokenRow;
      for (const c of CSV_COLUMNS) row[c] = h[c] ?? '';
      row.source = 'old_table';
      historical.kept++;
      yield row;
    }
  } catch (err) {
    if (err instanceof MissingColumnError) throw new InputError(`${historical.key}: ${err.message}`);
    throw err;
  }
}

export async function runConsolidated(deps: ConsolidatedDeps): Promise<ConsolidatedSummary> {
  const tally = new RunTally('tokens-consolidated');
  const { rows, figures } = await priceConversations({ ...deps, sourceLabel: 'new_table' }, tally);
  const newRows = rows.size;

  const historicalKey = `${deps.oldDataPrefix}${ARCHIVAL_FILE}`;
  const historical = { found: false, key: historicalKey, rows: 0, kept: 0, duplicatesDropped: 0 };
  const outputKey = `${deps.outputPrefix}${CONSOLIDATED_FILE}`;
  const rejectsKey = `${deps.outputRejectsPrefix}${CONSOLIDATED_FILE.replace('.csv', '.jsonl')}`;
  const body = await deps.store.read(historicalKey);
  if (!body) {
    deps.logger?.warn('historical CSV not found; consolidating the new table only', { key: historicalKey });
    await writeRows(deps.store, outputKey, rows);
  } else {
    historical.found = true;
    const isNew = rows.keyLookup();
    // archival writes its CSV in output order, so its rows are merged in as they are read, never
    // held. A file out of order fails that upload (the previous output stays); it is then read
    // again and its rows held and sorted with the new table's, which gives the same bytes.
    let readError: unknown;
    const merged = async function* () {
      try {
        yield* rows.csvChunks(CSV_HEADER, keptHistorical(body, isNew, historical));
      } catch (err) {
        readError = err;
        throw err;
      }
    };
    try {
      await deps.store.write(outputKey, merged(), CSV_CONTENT_TYPE);
    } catch (err) {
      if (readError === undefined) throw err;
      if (!(readError instanceof MergeOrderError)) throw readError;
      deps.logger?.warn('historical CSV is not in output order; sorting it in memory', { key: historicalKey });
      Object.assign(historical, { rows: 0, kept: 0, duplicatesDropped: 0 });
      const again = await deps.store.read(historicalKey);
      if (!again) throw new InputError(`${historicalKey}: disappeared while being read`);
      for await (const row of keptHistorical(again, isNew, historical)) rows.add(row);
      await writeRows(deps.store, outputKey, rows);
    }
  }
  await deps.store.write(rejectsKey, rejectionsToJsonl(tally.rejections), 'application/x-ndjson');

  const views: string[] = [];
  if (deps.engine) {
    await deps.engine.registerCsvTable(tokensTableDef(deps.store.uri(deps.outputPrefix)));
    await deps.engine.execute(TOKEN_USAGE_ANALYSIS);
    await deps.engine.execute(TOKEN_USAGE_DAILY);
    views.push('tokens_table', 'token_usage_analysis', 'token_usage_daily');
  }
  if (deps.retries) tally.retries = deps.retries.retries;
  const summary: ConsolidatedSummary = {
    ...tally.finish(),
    ...figures,
    method: deps.method,
    priceTableVersion: deps.prices.version,
    window: { start: deps.window.start, end: deps.window.end ?? null },
    outputKey,
    rejectsKey,
    historical,
    rowsWritten: newRows + historical.kept,
    views,
  };
  deps.logger?.info('consolidated finished', { ...summary, byDay: undefined });
  return summary;
}

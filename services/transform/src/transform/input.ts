/** What the transform reads besides the CSV rows: which CSV, and which price table. */
import { ConfigError, InputError, type ObjectStore, PriceTable } from '@catia/shared';
import { requirePricedModel, type TransformConfig } from './config';

/** The state machine's input (`{bucket, key}` from the S3 EventBridge event), or `{}` for a manual run. */
export interface TransformEvent {
  bucket?: string;
  key?: string;
  /** The raw EventBridge `Object Created` event, when a rule targets the function directly. */
  detail?: { bucket?: { name?: string }; object?: { key?: string } };
}

/** True for a normalize output under the input prefix: a `.csv` that is not a rejects file. */
export function isInputCsv(key: string, prefix: string): boolean {
  return key.startsWith(prefix) && key.endsWith('.csv') && !key.slice(prefix.length).startsWith('rejects/');
}

/** The CSV key to transform: the one the event names, or the newest CSV under the prefix. */
export async function resolveInputKey(
  store: ObjectStore,
  config: Pick<TransformConfig, 'REPORTS_BUCKET' | 'INPUT_PREFIX'>,
  event: TransformEvent | null | undefined,
): Promise<string> {
  const bucket = event?.bucket ?? event?.detail?.bucket?.name;
  if (bucket !== undefined && bucket !== config.REPORTS_BUCKET) {
    throw new InputError(`the event names bucket "${String(bucket)}", not the reports bucket ${config.REPORTS_BUCKET}`);
  }
  const named = event?.key ?? event?.detail?.object?.key;
  if (named !== undefined) {
    if (typeof named !== 'string' || !isInputCsv(named, config.INPUT_PREFIX)) {
      throw new InputError(`the event key "${String(named)}" is not a CSV under ${config.INPUT_PREFIX}`);
    }
    return named;
  }
  const newest = await store.newest(config.INPUT_PREFIX, (k) => isInputCsv(k, config.INPUT_PREFIX));
  if (!newest) throw new InputError(`no CSV under ${store.uri(config.INPUT_PREFIX)}`);
  return newest.key;
}

/** The built-in price table, or the user's (PRICE_TABLE_KEY); either must price CATIA_MODEL_ID. */
export async function loadPrices(
  store: ObjectStore,
  config: Pick<TransformConfig, 'PRICE_TABLE_KEY' | 'CATIA_MODEL_ID'>,
): Promise<PriceTable> {
  let prices = PriceTable.load();
  if (config.PRICE_TABLE_KEY !== undefined) {
    const origin = `PRICE_TABLE_KEY (${store.uri(config.PRICE_TABLE_KEY)})`;
    const json = await store.readText(config.PRICE_TABLE_KEY);
    // Falling back to the built-in table here would price the run silently at other rates.
    if (json === undefined) throw new ConfigError(`${origin} does not exist`, ['PRICE_TABLE_KEY']);
    prices = PriceTable.load(json, origin);
  }
  requirePricedModel(prices, config);
  return prices;
}

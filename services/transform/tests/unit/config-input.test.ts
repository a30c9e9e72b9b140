import { ConfigError, InputError, MemoryObjectStore } from '@catia/shared';
import { loadTransformConfig } from '../../src/transform/config';
import { loadPrices, resolveInputKey } from '../../src/transform/input';

const userTable = (modelId: string) =>
  JSON.stringify({
    version: 'user-1',
    currency: 'USD',
    unit: 'per 1M tokens',
    models: [{ id: modelId, prices: [{ from: null, to: null, regional: { input: 1, output: 2 } }] }],
  });

describe('transform configuration', () => {
  it('applies the documented defaults', () => {
    expect(loadTransformConfig({ REPORTS_BUCKET: 'b' })).toMatchObject({
      CATIA_MODEL_ID: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      TRANSFORM_TOKENIZER: 'o200k_base',
      INPUT_PREFIX: 'reports/etl-process1/',
      OUTPUT_KEY: 'reports/etl-process2/data.parquet',
      REJECTS_PREFIX: 'reports/etl-process2/rejects/',
    });
  });

  it.each([
    [{ REPORTS_BUCKET: '' }, 'REPORTS_BUCKET'],
    [{ CATIA_MODEL_ID: 'claude-vX-inexistente' }, 'CATIA_MODEL_ID'],
    [{ TRANSFORM_TOKENIZER: 'p50k' }, 'TRANSFORM_TOKENIZER'],
    [{ INPUT_PREFIX: 'reports/etl-process1' }, 'INPUT_PREFIX'],
    [{ OUTPUT_KEY: 'reports/etl-process2/data.csv' }, 'OUTPUT_KEY'],
    [{ PRICE_TABLE_KEY: '/prices.json' }, 'PRICE_TABLE_KEY'],
  ])('fails naming the bad setting (%o)', (override, name) => {
    const err = (() => {
      try {
        loadTransformConfig({ REPORTS_BUCKET: 'b', ...override });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).settings).toEqual([name]);
    expect((err as Error).message).toContain(name);
  });

  it('defers the model check to the user price table when PRICE_TABLE_KEY is set', () => {
    expect(() =>
      loadTransformConfig({ REPORTS_BUCKET: 'b', CATIA_MODEL_ID: 'mi-modelo', PRICE_TABLE_KEY: 'config/prices.json' }),
    ).not.toThrow();
  });
});

describe('transform price table', () => {
  it('uses the built-in table when no PRICE_TABLE_KEY is set', async () => {
    const config = loadTransformConfig({ REPORTS_BUCKET: 'b' });
    const prices = await loadPrices(new MemoryObjectStore('b'), config);
    expect(prices.rate(config.CATIA_MODEL_ID, '2025-12-01')?.input).toBe(6);
  });

  it('uses the user table from the reports bucket', async () => {
    const store = new MemoryObjectStore('b');
    await store.write('config/prices.json', userTable('mi-modelo'));
    const config = loadTransformConfig({
      REPORTS_BUCKET: 'b',
      CATIA_MODEL_ID: 'mi-modelo',
      PRICE_TABLE_KEY: 'config/prices.json',
    });
    const prices = await loadPrices(store, config);
    expect(prices.version).toBe('user-1');
    expect(prices.rate('mi-modelo', '2025-12-01')).toMatchObject({ input: 1, output: 2 });
  });

  it('fails naming CATIA_MODEL_ID when the user table cannot price the model', async () => {
    const store = new MemoryObjectStore('b');
    await store.write('config/prices.json', userTable('otro-modelo'));
    const config = loadTransformConfig({ REPORTS_BUCKET: 'b', PRICE_TABLE_KEY: 'config/prices.json' });
    const err = await loadPrices(store, config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).settings).toEqual(['CATIA_MODEL_ID']);
  });

  it.each([
    ['missing', undefined],
    ['not JSON', '{'],
    ['of another shape', '{"version":"x"}'],
  ])(
    'fails naming PRICE_TABLE_KEY when the user table is %s, never falling back to the built-in one',
    async (_l, body) => {
      const store = new MemoryObjectStore('b');
      if (body !== undefined) await store.write('config/prices.json', body);
      const config = loadTransformConfig({ REPORTS_BUCKET: 'b', PRICE_TABLE_KEY: 'config/prices.json' });
      await expect(loadPrices(store, config)).rejects.toThrow(/PRICE_TABLE_KEY/);
    },
  );
});

describe('transform input key', () => {
  const config = loadTransformConfig({ REPORTS_BUCKET: 'b' });

  async function storeWith(keys: string[]) {
    const store = new MemoryObjectStore('b');
    for (const k of keys) await store.write(k, 'x');
    return store;
  }

  it('takes the key the event names', async () => {
    const store = await storeWith([]);
    const key = 'reports/etl-process1/data_20251230.csv';
    await expect(resolveInputKey(store, config, { bucket: 'b', key })).resolves.toBe(key);
    await expect(resolveInputKey(store, config, { detail: { bucket: { name: 'b' }, object: { key } } })).resolves.toBe(
      key,
    );
  });

  it('takes the newest CSV on a manual invoke, ignoring rejects and other files', async () => {
    const store = await storeWith([
      'reports/etl-process1/data_20251230.csv',
      'reports/etl-process1/data_20251231.csv',
      'reports/etl-process1/rejects/data_20251231.csv',
      'reports/etl-process1/manifest.json',
    ]);
    await expect(resolveInputKey(store, config, {})).resolves.toBe('reports/etl-process1/data_20251231.csv');
  });

  it.each([
    ['another bucket', { bucket: 'otro', key: 'reports/etl-process1/data_20251231.csv' }],
    ['a rejects file', { bucket: 'b', key: 'reports/etl-process1/rejects/data_20251231.csv' }],
    ['a key outside the prefix', { bucket: 'b', key: 'reports/etl-process2/data.parquet' }],
  ])('refuses an event naming %s with an InputError', async (_l, event) => {
    await expect(resolveInputKey(await storeWith([]), config, event)).rejects.toThrow(InputError);
  });

  it('fails with an InputError when no CSV is found', async () => {
    const store = await storeWith(['reports/etl-process1/manifest.json']);
    const err = await resolveInputKey(store, config, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).name).toBe('InputError');
  });
});

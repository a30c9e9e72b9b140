/** The shared library of the CatIA analytics services. Import modules by name (`@catia/shared/<module>`). */
export * from './aws';
export * from './catalog';
export * from './catia-csv';
export * from './config';
export * from './csv';
export * from './dates';
export * from './dynamo-source';
export * from './errors';
export * from './logger';
export * from './memory';
export * from './parquet';
export * from './pricing';
export * from './query-engine';
export * from './s3-store';
export * from './summary';
export * from './tokenizer';

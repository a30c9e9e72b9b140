/**
 * Entry of the bundle built by bundle.test.ts: the transform handler module, as Lambda loads it,
 * plus what the test needs to drive the token workers from inside that one file.
 */
export { createTokenCounter, MemoryObjectStore, PriceTable } from '@catia/shared';
export { handler } from '../../src/handlers/transform';
export { loadTransformConfig } from '../../src/transform/config';
export { runTransform } from '../../src/transform/pipeline';
export { TokenWorkers } from '../../src/transform/workers';

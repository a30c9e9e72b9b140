/** Three kinds of test, one runner: unit (no network), integration (embedded DynamoDB/S3 + DuckDB), packaging (sls package). */
const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// ESM-only packages that tests import directly are transpiled to CommonJS by swc.
const transformIgnorePatterns = ['/node_modules/(?!(hyparquet|hyparquet-writer|gpt-tokenizer)/)'];
const common = {
  transform,
  transformIgnorePatterns,
  testEnvironment: 'node',
  // Generous per-test limit: CI machines are shared and slow under load; a hang is still bounded.
  testTimeout: 60_000,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
module.exports = {
  globalSetup: '<rootDir>/tests/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.mjs',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts', '<rootDir>/services/*/tests/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts', '<rootDir>/services/*/tests/integration/**/*.test.ts'],
    },
    { ...common, displayName: 'packaging', testMatch: ['<rootDir>/tests/packaging/**/*.test.ts'] },
  ],
};

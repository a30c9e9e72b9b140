import {
  awsSettings,
  booleanFlag,
  ConfigError,
  commaList,
  isoDate,
  loadConfig,
  positiveInt,
  requiredString,
} from '@catia/shared';
import { z } from 'zod';

const schema = z.object({
  ...awsSettings,
  TABLE: requiredString(),
  START: isoDate(),
  SEGMENTS: positiveInt(4, 64),
  ENABLED: booleanFlag(false),
  PLACES: commaList(['Bogotá']),
});

describe('loadConfig', () => {
  it('parses a complete environment with defaults filled in', () => {
    const cfg = loadConfig(schema, { TABLE: 't', START: '2025-08-04' });
    expect(cfg).toMatchObject({ TABLE: 't', START: '2025-08-04', SEGMENTS: 4, ENABLED: false, PLACES: ['Bogotá'] });
    expect(cfg.AWS_REGION).toBe('us-east-1');
  });

  it('names a missing required setting', () => {
    expect(() => loadConfig(schema, { START: '2025-08-04' })).toThrow(/TABLE is missing/);
  });

  it.each([
    ['START', '2025-13-01'],
    ['START', '04/08/2025'],
    ['SEGMENTS', 'many'],
    ['SEGMENTS', '0'],
    ['ENABLED', 'maybe'],
    ['AWS_ENDPOINT_URL_S3', 'not a url'],
  ])('names %s when it is malformed (%s)', (name, value) => {
    const env = { TABLE: 't', START: '2025-08-04', [name]: value };
    let caught: unknown;
    try {
      loadConfig(schema, env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).settings).toEqual([name]);
    expect((caught as Error).message).toContain(`${name} is malformed`);
  });

  it('splits comma lists and trims blanks', () => {
    expect(loadConfig(schema, { TABLE: 't', START: '2025-08-04', PLACES: ' Cali, ,Medellín ' }).PLACES).toEqual([
      'Cali',
      'Medellín',
    ]);
  });
});

import {
  charsPer4,
  codePointLength,
  createTokenCounter,
  formatSummaryLine,
  RunTally,
  rejectionsToJsonl,
} from '@catia/shared';

describe('token counters', () => {
  it('counts chars/4 on code points, flooring, with no invented minimum', () => {
    expect(charsPer4('abc')).toBe(0);
    expect(charsPer4('abcdefgh')).toBe(2);
    expect(codePointLength('😀😀')).toBe(2);
    expect(charsPer4('😀😀😀😀')).toBe(1);
  });

  it('counts o200k and cl100k tokens, cl100k higher on Spanish text', async () => {
    const o200k = await createTokenCounter('o200k_base');
    const cl100k = await createTokenCounter('cl100k_base');
    const text = '¿Cómo solicito el certificado catastral de mi predio en la localidad de Kennedy?';
    expect(o200k(text)).toBeGreaterThan(10);
    expect(cl100k(text)).toBeGreaterThan(o200k(text));
    expect(o200k('')).toBe(0);
  });
});

describe('run tally', () => {
  it('balances scanned against written, filtered and rejected', () => {
    const t = new RunTally('demo');
    t.scanned = 5;
    t.written = 2;
    t.filter('other_kind');
    t.filter('outside_date_window', 1);
    t.reject({ PK: 'USER#1', SK: 'X' }, 'bad');
    expect(t.finish()).toEqual({
      step: 'demo',
      scanned: 5,
      written: 2,
      filtered: { other_kind: 1, outside_date_window: 1 },
      rejected: 1,
      retries: 0,
    });
    expect(formatSummaryLine(t.finish())).toBe('demo: scanned=5 written=2 filtered=2 rejected=1 retries=0');
  });

  it('refuses to publish a summary that does not balance', () => {
    const t = new RunTally('demo');
    t.scanned = 3;
    t.written = 1;
    expect(() => t.finish()).toThrow(/does not balance/);
  });

  it('writes rejections as sorted JSON lines with keys and reason only', () => {
    const jsonl = rejectionsToJsonl([
      { keys: { SK: 'b', PK: 'USER#2' }, reason: 'r2' },
      { keys: { PK: 'USER#1', SK: 'a' }, reason: 'r1' },
    ]);
    expect(jsonl).toBe(
      '{"keys":{"PK":"USER#1","SK":"a"},"reason":"r1"}\n{"keys":{"PK":"USER#2","SK":"b"},"reason":"r2"}\n',
    );
    expect(rejectionsToJsonl([])).toBe('');
  });
});

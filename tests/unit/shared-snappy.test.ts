import { snappyCompress, snappyMaxLength } from '@catia/shared/snappy';
import { snappyUncompress } from 'hyparquet';

/** Deterministic pseudo-random bytes (incompressible). */
function noise(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = s >>> 24;
  }
  return out;
}

function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  expect(compressed.length).toBeLessThanOrEqual(snappyMaxLength(input.length));
  const back = new Uint8Array(input.length);
  snappyUncompress(compressed, back);
  return back;
}

const text = Buffer.from(
  '[{"rol":"user","texto":"¿Cómo obtengo el certificado catastral? 🏠","fecha":"2025-08-21T22:55:51Z"},'.repeat(500),
);

describe('snappy compression', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['one byte', new Uint8Array([42])],
    ['shorter than the input margin', Buffer.from('catastro bogot')],
    ['exactly the input margin', Buffer.from('catastro bogotá')],
    ['repetitive UTF-8 text', text],
    ['one megabyte of zeros (copies split at 64 bytes)', new Uint8Array(1 << 20)],
    ['200 KB of noise (literals longer than 64 KiB)', noise(200_000)],
    ['noise repeated at the largest offset (65535)', Buffer.concat([noise(65_535), noise(65_535)])],
    ['noise repeated beyond the largest offset', Buffer.concat([noise(70_000), noise(70_000)])],
    ['16 MB of mixed text and noise', Buffer.concat([noise(8 << 20, 3), text, noise(8 << 20, 5)])],
  ])('decompresses back to the same bytes: %s', (_name, input) => {
    // Act
    const back = roundTrip(input);

    // Assess
    expect(Buffer.from(back).equals(Buffer.from(input))).toBe(true);
  });

  it('compresses repetitive text and leaves noise about its own size', () => {
    expect(snappyCompress(text).length).toBeLessThan(text.length / 10);
    const random = noise(100_000);
    expect(snappyCompress(random).length).toBeLessThan(random.length + 100);
  });

  it('finds a match exactly 65535 bytes back but not 70000', () => {
    const near = Buffer.concat([noise(65_535), noise(65_535)]);
    const far = Buffer.concat([noise(70_000), noise(70_000)]);
    expect(snappyCompress(near).length).toBeLessThan(near.length * 0.6);
    expect(snappyCompress(far).length).toBeGreaterThan(far.length * 0.99);
  });
});

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

/** The copy elements of a compressed stream, consecutive ones with the same offset merged. */
function copyElements(compressed: Uint8Array): { offset: number; length: number }[] {
  let pos = 0;
  while (compressed[pos++]! & 0x80) {
    // skip the length preamble
  }
  const copies: { offset: number; length: number }[] = [];
  let afterCopy = false;
  while (pos < compressed.length) {
    const tag = compressed[pos++]!;
    let offset = 0;
    let length = 0;
    if ((tag & 3) === 0) {
      let n = (tag >>> 2) + 1;
      if (n > 60) {
        const bytes = n - 60;
        n = 1;
        for (let i = 0; i < bytes; i++) n += compressed[pos + i]! * 256 ** i;
        pos += bytes;
      }
      pos += n;
      afterCopy = false;
      continue;
    }
    if ((tag & 3) === 1) {
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | compressed[pos++]!;
    } else if ((tag & 3) === 2) {
      length = (tag >>> 2) + 1;
      offset = compressed[pos]! | (compressed[pos + 1]! << 8);
      pos += 2;
    } else {
      length = (tag >>> 2) + 1;
      offset =
        compressed[pos]! +
        compressed[pos + 1]! * 2 ** 8 +
        compressed[pos + 2]! * 2 ** 16 +
        compressed[pos + 3]! * 2 ** 24;
      pos += 4;
    }
    const last = copies[copies.length - 1];
    if (afterCopy && last?.offset === offset) last.length += length;
    else copies.push({ offset, length });
    afterCopy = true;
  }
  return copies;
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
    ['noise repeated 65535 bytes back (the largest 2-byte offset)', Buffer.concat([noise(65_535), noise(65_535)])],
    ['noise repeated beyond 64 KiB (4-byte offsets)', Buffer.concat([noise(70_000), noise(70_000)])],
    ['16 MB of mixed text and noise', Buffer.concat([noise(8 << 20, 3), text, noise(8 << 20, 5)])],
  ])('decompresses back to the same bytes: %s', (_name, input) => {
    // Act
    const back = roundTrip(input);

    // Assess
    expect(Buffer.from(back).equals(Buffer.from(input))).toBe(true);
  });

  it('decompresses back 300 random mixes of noise, near and far repeats and runs, repeats ending at every tail offset', () => {
    // Prepare: each input ends with a repeat of an earlier stretch followed by 0–15 bytes, so that
    // matches run to the end of the input, and to every offset before it, in turn
    let seed = 99;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return seed >>> 8;
    };
    const failures: number[] = [];
    for (let k = 0; k < 300; k++) {
      const parts: Uint8Array[] = [];
      let length = 0;
      const pieces = 1 + (next() % 8);
      for (let p = 0; p < pieces; p++) {
        const kind = next() % 4;
        const n = 1 + (next() % (kind === 3 ? 90_000 : 3_000));
        let piece: Uint8Array;
        if (kind === 0 || length === 0) piece = noise(n, next());
        else if (kind === 1) piece = new Uint8Array(n).fill(next() & 0xff);
        else {
          const all = Buffer.concat(parts);
          const from = next() % all.length;
          piece = all.subarray(from, Math.min(all.length, from + n));
        }
        parts.push(piece);
        length += piece.length;
      }
      const all = Buffer.concat(parts);
      const from = next() % all.length;
      const input = Buffer.concat([all, all.subarray(from, from + 40 + (next() % 200)), noise(k % 16, k)]);

      // Act
      const back = roundTrip(input);

      // Assess
      if (!Buffer.from(back).equals(input)) failures.push(k);
    }
    expect(failures).toEqual([]);
  });

  it('compresses repetitive text and leaves noise about its own size', () => {
    expect(snappyCompress(text).length).toBeLessThan(text.length / 10);
    const random = noise(100_000);
    expect(snappyCompress(random).length).toBeLessThan(random.length + 100);
  });

  it('copies from more than 64 KiB back (4-byte offsets) as well as from within 64 KiB', () => {
    const near = Buffer.concat([noise(65_535), noise(65_535)]);
    const far = Buffer.concat([noise(300_000), noise(300_000)]);
    expect(snappyCompress(near).length).toBeLessThan(near.length * 0.6);
    expect(snappyCompress(far).length).toBeLessThan(far.length * 0.6);
  });

  it('never copies fewer than 8 bytes from more than 64 KiB back (5 bytes would encode 4)', () => {
    // Prepare: a 4-byte token, 70 000 zeros, the token again followed by other bytes
    const token = [0x9e, 0x37, 0x79, 0xb9];
    const input = Buffer.concat([
      Buffer.from([7, ...token]),
      Buffer.alloc(70_000),
      Buffer.from([...token, 1, 2, 3]),
      noise(40),
    ]);

    // Act
    const compressed = snappyCompress(input);

    // Assess: every run of copy elements with one offset past 64 KiB covers 8 bytes or more
    const copies = copyElements(compressed);
    expect(copies.some((c) => c.offset > 0xffff)).toBe(false);
    expect(Buffer.from(roundTrip(input)).equals(input)).toBe(true);
    const far = copyElements(snappyCompress(Buffer.concat([noise(70_000), Buffer.alloc(9), noise(70_000)])));
    for (const c of far.filter((x) => x.offset > 0xffff)) expect(c.length).toBeGreaterThanOrEqual(8);
  });

  it('stays within snappyMaxLength when only 4-byte repeats lie far back (they are left as literals)', () => {
    // Prepare: 70 KB of noise, then 4 bytes taken from it far back, one fresh byte, and again
    const head = noise(70_000, 11);
    const tail = new Uint8Array(500_000);
    const fresh = noise(tail.length, 13);
    for (let i = 0; i + 5 <= tail.length; i += 5) {
      tail.set(head.subarray((i * 7) % 60_000, ((i * 7) % 60_000) + 4), i);
      tail[i + 4] = fresh[i]!;
    }
    const input = Buffer.concat([head, tail]);

    // Act
    const back = roundTrip(input);

    // Assess
    expect(Buffer.from(back).equals(input)).toBe(true);
  });
});

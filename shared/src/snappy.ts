/**
 * Snappy compression (the raw format Parquet's SNAPPY codec uses), written for speed in plain
 * JavaScript. The match search is the reference implementation's (a hash of 4 bytes, the same
 * skip heuristic over stretches without matches), but it runs over the whole input instead of
 * independent 64 KiB fragments, so a copy can reach any earlier position: past 64 KiB it is written
 * with a 4-byte offset, an element of the format that the reference decompressor (DuckDB, Arrow),
 * Trino's aircompressor (Athena) and hyparquet all read. On transform's pages this is 12 % smaller
 * and faster than the 64 KiB window, since long repeats become fewer, longer copies.
 * 4-byte loads through a `DataView` for hashing and match extension; output written straight into
 * a caller-sized buffer.
 */

const MAX_TABLE_BITS = 14;
/** Bytes at the end of the input where no match search starts (the reference's kInputMarginBytes). */
const INPUT_MARGIN = 15;
// One table for every call: the last input position seen with each hash.
const table = new Int32Array(1 << MAX_TABLE_BITS);

/** The most bytes {@link snappyCompressInto} can write for `length` input bytes. */
export function snappyMaxLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/**
 * Compress `src` into `dst` from `dstPos`; returns the offset after the last byte written.
 * `dst` must have {@link snappyMaxLength}`(src.length)` bytes free from `dstPos`.
 */
export function snappyCompressInto(src: Uint8Array, dst: Uint8Array, dstPos: number): number {
  let op = dstPos;
  let n = src.length;
  while (n >= 0x80) {
    dst[op++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  dst[op++] = n;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  return compressAll(src, view, src.length, dst, op);
}

/** Compress `src` into a new array of exactly the compressed length. */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(snappyMaxLength(src.length));
  return dst.slice(0, snappyCompressInto(src, dst, 0));
}

function compressAll(src: Uint8Array, view: DataView, end: number, dst: Uint8Array, op: number): number {
  let bits = 8;
  while (bits < MAX_TABLE_BITS && 1 << bits < end) bits++;
  const shift = 32 - bits;
  table.fill(0, 0, 1 << bits);
  let nextEmit = 0;
  if (end >= INPUT_MARGIN) {
    const ipLimit = end - INPUT_MARGIN;
    let ip = 1;
    let nextBytes = view.getInt32(ip, true);
    search: for (;;) {
      // Look for a 4-byte match, stepping faster the longer none is found.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      let bytes: number;
      do {
        ip = nextIp;
        bytes = nextBytes;
        const hash = Math.imul(bytes, 0x1e35a7bd) >>> shift;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > ipLimit) break search;
        nextBytes = view.getInt32(nextIp, true);
        candidate = table[hash]!;
        table[hash] = ip;
      } while (bytes !== view.getInt32(candidate, true) || !worthCopying(view, ip, candidate));

      op = emitLiteral(src, nextEmit, ip - nextEmit, dst, op);

      // Emit copies while the next position also matches.
      for (;;) {
        const matched = 4 + matchLength(src, view, candidate + 4, ip + 4, end);
        op = emitCopy(dst, op, ip - candidate, matched);
        ip += matched;
        nextEmit = ip;
        if (ip >= ipLimit) break search;
        table[Math.imul(view.getInt32(ip - 1, true), 0x1e35a7bd) >>> shift] = ip - 1;
        const current = view.getInt32(ip, true);
        const hash = Math.imul(current, 0x1e35a7bd) >>> shift;
        candidate = table[hash]!;
        table[hash] = ip;
        if (current !== view.getInt32(candidate, true) || !worthCopying(view, ip, candidate)) break;
      }
      nextBytes = view.getInt32(++ip, true);
    }
  }
  if (nextEmit < end) op = emitLiteral(src, nextEmit, end - nextEmit, dst, op);
  // Typed arrays drop writes past their end: never return a silently truncated result.
  if (op > dst.length) throw new RangeError('snappy output overflowed its buffer');
  return op;
}

/**
 * A 4-byte match more than 64 KiB back is taken only if 8 bytes match: its copy element takes
 * 5 bytes, so shorter far copies would make the output larger than {@link snappyMaxLength}.
 */
function worthCopying(view: DataView, ip: number, candidate: number): boolean {
  return ip - candidate <= 0xffff || view.getInt32(ip + 4, true) === view.getInt32(candidate + 4, true);
}

/**
 * How many bytes from `a` equal those from `b` (`a` < `b`), not reading at or past `end`.
 * Every exit goes through {@link equalLowBytes}, so the rarely taken tail (a match that reaches
 * the end of the input) shares its type feedback with the main loop: an exit of its own, never run
 * before V8 optimizes the caller, deoptimized the whole compressor once per run.
 */
function matchLength(src: Uint8Array, view: DataView, a: number, b: number, end: number): number {
  let n = 0;
  while (b + n + 8 <= end) {
    const x = view.getInt32(a + n, true) ^ view.getInt32(b + n, true);
    if (x !== 0) return n + equalLowBytes(x);
    const y = view.getInt32(a + n + 4, true) ^ view.getInt32(b + n + 4, true);
    if (y !== 0) return n + 4 + equalLowBytes(y);
    n += 8;
  }
  while (b + n < end && src[a + n] === src[b + n]) n++;
  return n;
}

/** How many low-order bytes of a non-zero XOR of two little-endian loads are zero (equal bytes). */
function equalLowBytes(x: number): number {
  return (31 - Math.clz32(x & -x)) >>> 3;
}

function emitLiteral(src: Uint8Array, start: number, length: number, dst: Uint8Array, op: number): number {
  const n = length - 1;
  if (n < 60) dst[op++] = n << 2;
  else if (n < 0x100) {
    dst[op++] = 60 << 2;
    dst[op++] = n;
  } else if (n < 0x10000) {
    dst[op++] = 61 << 2;
    dst[op++] = n & 0xff;
    dst[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    dst[op++] = 62 << 2;
    dst[op++] = n & 0xff;
    dst[op++] = (n >>> 8) & 0xff;
    dst[op++] = n >>> 16;
  } else {
    dst[op++] = 63 << 2;
    dst[op++] = n & 0xff;
    dst[op++] = (n >>> 8) & 0xff;
    dst[op++] = (n >>> 16) & 0xff;
    dst[op++] = n >>> 24;
  }
  if (length <= 16) {
    for (let i = 0; i < length; i++) dst[op + i] = src[start + i]!;
  } else {
    dst.set(src.subarray(start, start + length), op);
  }
  return op + length;
}

function emitCopy(dst: Uint8Array, op: number, offset: number, length: number): number {
  let left = length;
  while (left >= 68) {
    op = emitCopyUpTo64(dst, op, offset, 64);
    left -= 64;
  }
  if (left > 64) {
    op = emitCopyUpTo64(dst, op, offset, 60);
    left -= 60;
  }
  return emitCopyUpTo64(dst, op, offset, left);
}

function emitCopyUpTo64(dst: Uint8Array, op: number, offset: number, length: number): number {
  if (offset > 0xffff) {
    dst[op] = 3 | ((length - 1) << 2);
    dst[op + 1] = offset & 0xff;
    dst[op + 2] = (offset >>> 8) & 0xff;
    dst[op + 3] = (offset >>> 16) & 0xff;
    dst[op + 4] = offset >>> 24;
    return op + 5;
  }
  if (length < 12 && offset < 2048) {
    dst[op] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    dst[op + 1] = offset & 0xff;
    return op + 2;
  }
  dst[op] = 2 | ((length - 1) << 2);
  dst[op + 1] = offset & 0xff;
  dst[op + 2] = offset >>> 8;
  return op + 3;
}

/**
 * The byte-level pieces of the Parquet writer: a growable byte buffer, the Thrift compact protocol
 * (page headers and the file footer) and the RLE/bit-packed hybrid encoding of levels.
 * See https://github.com/apache/parquet-format (Encodings.md, parquet.thrift).
 */

/** A growable byte buffer; `bytes` is valid up to `length`. */
export class ByteBuffer {
  bytes: Buffer;
  view: DataView;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n > this.bytes.length) this.grow(this.length + n);
  }

  private grow(min: number): void {
    let capacity = this.bytes.length * 2;
    while (capacity < min) capacity *= 2;
    const next = Buffer.allocUnsafeSlow(capacity);
    this.bytes.copy(next, 0, 0, this.length);
    this.bytes = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  byte(v: number): void {
    this.reserve(1);
    this.bytes[this.length++] = v;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varint(v: number): void {
    this.reserve(10);
    let n = v;
    while (n >= 0x80) {
      this.bytes[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.bytes[this.length++] = n;
  }

  append(src: Uint8Array, start = 0, end = src.length): void {
    this.reserve(end - start);
    this.bytes.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  uint32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** The written bytes as a new array (the buffer itself is reused). */
  copy(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.bytes, 0, this.length);
  }
}

// Thrift compact protocol type ids.
const T_TRUE = 1;
const T_FALSE = 2;
export const T_I32 = 5;
const T_I64 = 6;
export const T_BINARY = 8;
const T_LIST = 9;
export const T_STRUCT = 12;

/** zigzag of a safe integer, as a non-negative number (no 32-bit wrap-around). */
function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/**
 * Thrift compact protocol writer for the structs Parquet needs. Fields must be written in
 * increasing id order within a struct; optional fields are simply not written.
 */
export class CompactWriter {
  private last = 0;
  private readonly stack: number[] = [];

  constructor(readonly out: ByteBuffer) {}

  private field(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.out.varint(zigzag(id));
    }
    this.last = id;
  }

  i32(id: number, v: number): this {
    this.field(id, T_I32);
    this.out.varint(zigzag(v));
    return this;
  }

  i64(id: number, v: number): this {
    this.field(id, T_I64);
    this.out.varint(zigzag(v));
    return this;
  }

  bool(id: number, v: boolean): this {
    this.field(id, v ? T_TRUE : T_FALSE);
    return this;
  }

  binary(id: number, v: Uint8Array): this {
    this.field(id, T_BINARY);
    this.out.varint(v.length);
    this.out.append(v);
    return this;
  }

  string(id: number, v: string): this {
    return this.binary(id, Buffer.from(v, 'utf8'));
  }

  /** Open a struct field; close it with {@link end}. */
  struct(id: number): this {
    this.field(id, T_STRUCT);
    return this.open();
  }

  /** Open a struct that is a list element; close it with {@link end}. */
  open(): this {
    this.stack.push(this.last);
    this.last = 0;
    return this;
  }

  end(): this {
    this.out.byte(0);
    this.last = this.stack.pop() ?? 0;
    return this;
  }

  /** A list field header; then write `size` elements (varints via {@link listI32}, structs via {@link open}). */
  list(id: number, elementType: number, size: number): this {
    this.field(id, T_LIST);
    if (size < 15) this.out.byte((size << 4) | elementType);
    else {
      this.out.byte(0xf0 | elementType);
      this.out.varint(size);
    }
    return this;
  }

  listI32(v: number): this {
    this.out.varint(zigzag(v));
    return this;
  }

  listBinary(v: Uint8Array): this {
    this.out.varint(v.length);
    this.out.append(v);
    return this;
  }
}

/** A growable array of levels (one byte each). */
export class LevelBuffer {
  levels = new Uint8Array(1 << 12);
  length = 0;

  push(v: number): void {
    if (this.length === this.levels.length) {
      const next = new Uint8Array(this.levels.length * 2);
      next.set(this.levels);
      this.levels = next;
    }
    this.levels[this.length++] = v;
  }
}

/**
 * Levels `levels[start, end)` in the RLE/bit-packed hybrid encoding (without a length prefix, as
 * data page v2 stores them): runs of 8 or more equal levels as RLE runs, the rest bit-packed in
 * groups of 8 (the last group padded with zeros). `bitWidth` is 1 or 2. Returns the bytes written.
 */
export function writeLevels(levels: Uint8Array, start: number, end: number, bitWidth: number, out: ByteBuffer): number {
  const begin = out.length;
  let i = start;
  while (i < end) {
    const v = levels[i]!;
    let j = i + 1;
    while (j < end && levels[j] === v) j++;
    if (j - i >= 8) {
      out.varint((j - i) * 2);
      out.byte(v);
      i = j;
      continue;
    }
    // Bit-pack groups of 8 until a run of 8 equal levels starts at a group boundary.
    let k = i;
    while (k < end) {
      const w = levels[k]!;
      let r = k + 1;
      while (r < end && r - k < 8 && levels[r] === w) r++;
      if (r - k >= 8) break;
      k += 8;
    }
    const groups = Math.ceil((Math.min(k, end) - i) / 8);
    out.varint(groups * 2 + 1);
    out.reserve(groups * bitWidth);
    let acc = 0;
    let bits = 0;
    for (let p = i; p < i + groups * 8; p++) {
      acc |= (p < end ? levels[p]! : 0) << bits;
      bits += bitWidth;
      if (bits >= 8) {
        out.bytes[out.length++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    i = k;
  }
  return out.length - begin;
}

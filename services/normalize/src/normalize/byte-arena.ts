import { writeJsonCsv } from '@catia/shared';

/**
 * Bytes written straight into large slabs, each piece handed back as a view: one allocation per
 * slab instead of one per conversation, and no intermediate strings. normalize keeps every
 * rendered conversation until the end of the scan, so this is where its time and memory go.
 * A slab lives as long as any of its views.
 */
export class ByteArena {
  private slab: Buffer = Buffer.alloc(0);
  private pos = 0;
  private start = 0;

  constructor(private readonly slabBytes = 1 << 20) {}

  /**
   * Start a piece of at most `worst` bytes. `false` when it is too large for a slab (a quarter of
   * one at most): the caller then builds it another way.
   */
  begin(worst: number): boolean {
    if (worst > this.slabBytes >> 2) return false;
    if (this.slab.length - this.pos < worst) {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.pos = 0;
    }
    this.start = this.pos;
    return true;
  }

  /** The piece written since `begin`. */
  end(): Buffer {
    // Writes past a typed array's end are dropped silently: a piece larger than announced to
    // `begin` must fail, not come out truncated.
    if (this.pos > this.slab.length) throw new RangeError('ByteArena: a piece outgrew the size given to begin');
    return this.slab.subarray(this.start, this.pos);
  }

  /**
   * The piece written since `begin`, followed in the slab by `byte` (which the size given to
   * `begin` must count): pieces written one after another then read, separator included, as one
   * range of the slab.
   */
  endFollowedBy(byte: number): Buffer {
    const piece = this.end();
    if (this.pos >= this.slab.length) throw new RangeError('ByteArena: a piece outgrew the size given to begin');
    this.slab[this.pos++] = byte;
    return piece;
  }

  /** Append a few bytes (a byte loop: cheaper than a native copy for short pieces). */
  bytes(src: Uint8Array): void {
    const b = this.slab;
    let p = this.pos;
    for (let i = 0; i < src.length; i++) b[p++] = src[i] as number;
    this.pos = p;
  }

  /** Append an ASCII string as is (1 byte per character). */
  ascii(s: string): void {
    const b = this.slab;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /**
   * Append `JSON.stringify(s)` with every `"` doubled (its form inside a quoted CSV field), as
   * UTF-8: the same bytes as `Buffer.from(JSON.stringify(s).replaceAll('"', '""'))`, in one pass.
   * Takes at most `worstJsonCsvBytes(s.length)` bytes (`@catia/shared`).
   */
  jsonCsv(s: string): void {
    this.pos = writeJsonCsv(this.slab, this.pos, s);
  }
}

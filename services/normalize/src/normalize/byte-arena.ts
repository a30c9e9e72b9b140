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
    return this.slab.subarray(this.start, this.pos);
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
   * Takes at most {@link worstJsonCsvBytes} bytes.
   */
  jsonCsv(s: string): void {
    const b = this.slab;
    let p = this.pos;
    b[p++] = 34;
    b[p++] = 34;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 34 && c !== 92) b[p++] = c;
        else if (c === 34) {
          b[p++] = 92; // \""
          b[p++] = 34;
          b[p++] = 34;
        } else if (c === 92) {
          b[p++] = 92;
          b[p++] = 92;
        } else p = this.control(c, p);
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 0x3f);
          b[p++] = 0x80 | ((cp >> 6) & 0x3f);
          b[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else p = this.hexEscape(c, p); // a lone surrogate: JSON.stringify writes \udxxx
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    b[p++] = 34;
    b[p++] = 34;
    this.pos = p;
  }

  /** A control character as JSON.stringify escapes it. */
  private control(c: number, p: number): number {
    const short = c === 8 ? 98 : c === 9 ? 116 : c === 10 ? 110 : c === 12 ? 102 : c === 13 ? 114 : 0;
    if (!short) return this.hexEscape(c, p);
    this.slab[p] = 92;
    this.slab[p + 1] = short;
    return p + 2;
  }

  /** `\uxxxx` with lower-case hex digits. */
  private hexEscape(c: number, p: number): number {
    const b = this.slab;
    b[p++] = 92;
    b[p++] = 117;
    for (let shift = 12; shift >= 0; shift -= 4) b[p++] = HEX[(c >> shift) & 15] as number;
    return p;
  }
}

const HEX = Buffer.from('0123456789abcdef');

/** The most bytes {@link ByteArena.jsonCsv} writes for a string of `length` UTF-16 units (`\u001f` is 6). */
export const worstJsonCsvBytes = (length: number): number => 6 * length + 4;

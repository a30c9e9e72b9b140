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
    // Runs without anything to escape are encoded natively; only the characters JSON escapes
    // (and surrogates, to tell pairs from lone ones) are handled here.
    let last = 0;
    // `test` rather than `exec`: no match array per special character (34 MB of garbage per 100k
    // items in normalize's core). Every match is one unit long, so it ends just before lastIndex.
    SPECIAL.lastIndex = 0;
    while (SPECIAL.test(s)) {
      const i = SPECIAL.lastIndex - 1;
      if (i > last) p += b.write(s.slice(last, i), p);
      const c = s.charCodeAt(i);
      last = i + 1;
      if (c === 34) {
        b[p++] = 92; // \""
        b[p++] = 34;
        b[p++] = 34;
      } else if (c === 92) {
        b[p++] = 92;
        b[p++] = 92;
      } else if (c < 0x20) p = this.control(c, p);
      else {
        const d = s.charCodeAt(i + 1); // NaN past the end
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          p += b.write(s.slice(i, i + 2), p);
          last = i + 2;
          SPECIAL.lastIndex = last;
        } else p = this.hexEscape(c, p); // a lone surrogate: JSON.stringify writes \udxxx
      }
    }
    if (last < s.length) p += b.write(last ? s.slice(last) : s, p);
    b[p++] = 34;
    b[p++] = 34;
    this.pos = p;
  }

  /**
   * `JSON.stringify(texts)` as a complete CSV field (quoted when not `[]`), as one piece: the
   * same bytes as `csvField(JSON.stringify(texts))`.
   */
  jsonCsvField(texts: readonly string[]): Buffer {
    if (texts.length === 0) return EMPTY_LIST;
    let worst = 4;
    for (const t of texts) worst += worstJsonCsvBytes(t.length) + 1;
    if (!this.begin(worst)) return Buffer.from(`"${JSON.stringify(texts).replaceAll('"', '""')}"`, 'utf-8');
    this.ascii('"[');
    for (let i = 0; i < texts.length; i++) {
      if (i) this.ascii(',');
      this.jsonCsv(texts[i] as string);
    }
    this.ascii(']"');
    return this.end();
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
const EMPTY_LIST = Buffer.from('[]');
/** What JSON.stringify escapes (quote, backslash, controls) and surrogates (pairs pass, lone ones are escaped). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes
const SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/g;

/** The most bytes {@link ByteArena.jsonCsv} writes for a string of `length` UTF-16 units (`\u001f` is 6). */
export const worstJsonCsvBytes = (length: number): number => 6 * length + 4;

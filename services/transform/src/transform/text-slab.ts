/**
 * The `conversacion_completa` bytes of one batch of rows, back to back in one slab of memory that
 * the token workers read in place (a SharedArrayBuffer: nothing is copied or re-encoded between
 * threads), and that the Parquet writer copies from once the batch is measured. Slabs are reused
 * through a {@link SlabPool}: fresh memory costs a page fault per 4 KiB on first touch.
 */

export class TextSlab {
  readonly bytes: Uint8Array;
  /** End offset of each text, in order. */
  readonly ends: number[] = [];
  length = 0;

  constructor(readonly capacity: number) {
    this.bytes = new Uint8Array(new SharedArrayBuffer(capacity));
  }

  /** Room for `n` more bytes. */
  fits(n: number): boolean {
    return this.length + n <= this.capacity;
  }

  /** Append one text's bytes (the caller checked {@link fits}). */
  add(src: Uint8Array): void {
    this.bytes.set(src, this.length);
    this.length += src.length;
    this.ends.push(this.length);
  }

  /** Text `i`'s bytes (a view: valid until the slab is given back). */
  text(i: number): Uint8Array {
    return this.bytes.subarray(i === 0 ? 0 : (this.ends[i - 1] as number), this.ends[i] as number);
  }

  clear(): void {
    this.length = 0;
    this.ends.length = 0;
  }
}

/** Slabs of `size` bytes, reused; a text longer than that gets a slab of its own, not kept. */
export class SlabPool {
  private readonly free: TextSlab[] = [];

  constructor(
    readonly size: number,
    private readonly maxFree = 256,
  ) {}

  /** A cleared slab with room for at least `min` bytes. */
  take(min = 0): TextSlab {
    if (min > this.size) return new TextSlab(min);
    return this.free.pop() ?? new TextSlab(this.size);
  }

  give(slab: TextSlab): void {
    if (slab.capacity !== this.size || this.free.length >= this.maxFree) return;
    slab.clear();
    this.free.push(slab);
  }
}

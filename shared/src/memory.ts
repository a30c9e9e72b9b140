/**
 * In-memory implementations of the consumer interfaces, for measuring a stage's core without I/O
 * (the bench) and for unit tests of pure logic. Integration tests use the embedded emulators instead.
 */
import { Readable } from 'node:stream';
import type { ConversationSource, Item, UnreadableItem } from './dynamo-source';
import { OutputError } from './errors';
import type { Body, ObjectStore, StoredObject } from './s3-store';

/** A source over items already in memory (an array or any iterable, consumed once per `pages()`). */
export class MemorySource implements ConversationSource {
  constructor(
    private readonly data: Iterable<Item | UnreadableItem>,
    /** Items per page, as a DynamoDB page of ~1 MB holds a few hundred to a few thousand. */
    private readonly pageSize = 1000,
  ) {}

  async *pages(): AsyncIterable<readonly (Item | UnreadableItem)[]> {
    let page: (Item | UnreadableItem)[] = [];
    for (const item of this.data) {
      page.push(item);
      if (page.length >= this.pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
}

/**
 * One stored body, kept as the chunks it was written in: joining them costs a copy into fresh
 * memory (slow on VMs where first-touch page faults are expensive), so `bytes` joins on first use.
 */
export class MemoryObject {
  private joined: Buffer | undefined;
  readonly size: number;

  constructor(
    private readonly chunks: readonly Buffer[],
    readonly lastModified: Date,
  ) {
    this.size = chunks.reduce((n, c) => n + c.length, 0);
  }

  /** The whole body. */
  get bytes(): Buffer {
    if (!this.joined) this.joined = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    return this.joined;
  }

  /** The body as a stream of its chunks. */
  stream(): Readable {
    return Readable.from(this.joined ? [this.joined] : this.chunks);
  }
}

/** Bodies are kept in pieces of at least this size (smaller chunks joined), as in upload parts. */
const JOINED_PIECE_BYTES = 256 * 1024;

/** An object store in memory; `write` buffers the whole body, then replaces the key at once. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, MemoryObject>();
  private clock = 0;

  constructor(readonly bucket = 'memory') {}

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async read(key: string): Promise<Readable | undefined> {
    const o = this.objects.get(key);
    return o?.stream();
  }

  async readText(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.bytes.toString('utf-8');
  }

  /** The stored bytes themselves (not a copy). */
  async readBytes(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.bytes;
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async write(key: string, body: Body): Promise<void> {
    const chunks: Buffer[] = [];
    // Chunks are kept, not copied: as with S3's multipart upload, a writer must not reuse a buffer
    // once it has handed it over. Small ones are joined into pieces of ~256 KB, as an upload joins
    // them into parts: a reader of the body gets it in pieces of that size, not in the writer's
    // (normalize hands conversations over one by one, ~55k pieces per 100k items).
    const asBuffer = (c: Uint8Array | string) =>
      typeof c === 'string' ? Buffer.from(c, 'utf-8') : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let small: Buffer[] = [];
    let smallBytes = 0;
    const joinSmall = () => {
      if (small.length) chunks.push(small.length === 1 ? (small[0] as Buffer) : Buffer.concat(small, smallBytes));
      small = [];
      smallBytes = 0;
    };
    const add = (c: Buffer) => {
      if (c.length >= JOINED_PIECE_BYTES) {
        joinSmall();
        chunks.push(c);
        return;
      }
      small.push(c);
      smallBytes += c.length;
      if (smallBytes >= JOINED_PIECE_BYTES) joinSmall();
    };
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) add(asBuffer(body));
      else for await (const c of body as AsyncIterable<Uint8Array | string>) add(asBuffer(c));
      joinSmall();
    } catch (err) {
      throw new OutputError(`writing ${this.uri(key)} failed: ${(err as Error).message}`, key, { cause: err });
    }
    // A strictly increasing clock keeps "newest" deterministic within one process.
    this.objects.set(key, new MemoryObject(chunks, new Date(++this.clock)));
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const o = this.objects.get(key)!;
      yield { key, size: o.size, lastModified: o.lastModified };
    }
  }

  async newest(prefix: string, accept: (key: string) => boolean = () => true): Promise<StoredObject | undefined> {
    let best: StoredObject | undefined;
    for await (const o of this.list(prefix)) {
      if (accept(o.key) && (!best || o.lastModified > best.lastModified)) best = o;
    }
    return best;
  }
}

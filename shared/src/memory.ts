/**
 * In-memory implementations of the consumer interfaces, for measuring a stage's core without I/O
 * (the bench) and for unit tests of pure logic. Integration tests use the embedded emulators instead.
 */
import { Readable } from 'node:stream';
import type { ConversationSource, Item, UnreadableItem } from './dynamo-source';
import { OutputError } from './errors';
import type { Body, ObjectStore, StoredObject } from './s3-store';

/** A source over items already in memory (an array or any iterable, consumed once per `items()`). */
export class MemorySource implements ConversationSource {
  constructor(private readonly data: Iterable<Item | UnreadableItem>) {}
  async *items(): AsyncIterable<Item | UnreadableItem> {
    yield* this.data;
  }
}

/** An object store in memory; `write` buffers the whole body, then replaces the key at once. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { bytes: Buffer; lastModified: Date }>();
  private clock = 0;

  constructor(readonly bucket = 'memory') {}

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async read(key: string): Promise<Readable | undefined> {
    const o = this.objects.get(key);
    return o ? Readable.from([o.bytes]) : undefined;
  }

  async readText(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.bytes.toString('utf-8');
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async write(key: string, body: Body): Promise<void> {
    let bytes: Buffer;
    try {
      if (typeof body === 'string') bytes = Buffer.from(body, 'utf-8');
      else if (body instanceof Uint8Array) bytes = Buffer.from(body);
      else {
        const chunks: Buffer[] = [];
        for await (const c of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(c));
        bytes = Buffer.concat(chunks);
      }
    } catch (err) {
      throw new OutputError(`writing ${this.uri(key)} failed: ${(err as Error).message}`, key, { cause: err });
    }
    // A strictly increasing clock keeps "newest" deterministic within one process.
    this.objects.set(key, { bytes, lastModified: new Date(++this.clock) });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const o = this.objects.get(key)!;
      yield { key, size: o.bytes.length, lastModified: o.lastModified };
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

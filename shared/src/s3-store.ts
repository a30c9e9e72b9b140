/**
 * S3 as an object store: streaming reads, streaming multipart writes and prefix listings.
 * Writes go through `@aws-sdk/lib-storage` `Upload`: an object appears whole at its key when the
 * upload completes, or not at all (a failed multipart upload is aborted; the previous version stays).
 */
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { OutputError } from './errors';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export type Body = string | Uint8Array | Readable | AsyncIterable<Uint8Array | string>;

/** The consumer's view of a bucket. */
export interface ObjectStore {
  readonly bucket: string;
  /** A stream of the object's bytes, or `undefined` when there is no such key. */
  read(key: string): Promise<Readable | undefined>;
  /** The whole object as UTF-8 text, or `undefined` when missing. For small objects only. */
  readText(key: string): Promise<string | undefined>;
  /** The whole object's bytes, or `undefined` when missing (no decoding). Read-only: it may be shared. */
  readBytes(key: string): Promise<Uint8Array | undefined>;
  exists(key: string): Promise<boolean>;
  /** Write (replace) an object; resolves once the whole object is stored. Throws {@link OutputError}. */
  write(key: string, body: Body, contentType?: string): Promise<void>;
  /** Every object under a prefix, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** The most recently modified object under a prefix that passes `accept` (ties: greatest key). */
  newest(prefix: string, accept?: (key: string) => boolean): Promise<StoredObject | undefined>;
  /** `s3://bucket/key` */
  uri(key: string): string;
}

const isMissing = (err: unknown) =>
  err instanceof NoSuchKey ||
  err instanceof NotFound ||
  (err as { name?: string }).name === 'NoSuchKey' ||
  (err as { name?: string }).name === 'NotFound' ||
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** Multipart part size in bytes (S3 minimum 5 MiB). */
    private readonly partSize = 8 * 1024 * 1024,
  ) {}

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async read(key: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToString('utf-8') : '';
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async readBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async write(key: string, body: Body, contentType = 'application/octet-stream'): Promise<void> {
    const stream =
      typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable ? body : Readable.from(body);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentType },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // A Readable source that failed must not keep the producer waiting.
      if (stream instanceof Readable && !stream.destroyed) stream.destroy();
      throw new OutputError(`writing ${this.uri(key)} failed: ${(err as Error).message}`, key, { cause: err });
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async newest(prefix: string, accept: (key: string) => boolean = () => true): Promise<StoredObject | undefined> {
    let best: StoredObject | undefined;
    for await (const o of this.list(prefix)) {
      if (!accept(o.key)) continue;
      if (
        !best ||
        o.lastModified.getTime() > best.lastModified.getTime() ||
        (o.lastModified.getTime() === best.lastModified.getTime() && o.key > best.key)
      ) {
        best = o;
      }
    }
    return best;
  }
}

/**
 * DynamoDB as a stream of items: a parallel `Scan` (one loop per segment) merged into one async
 * iterable of unmarshalled items. Memory holds at most a few pages, never the table.
 * Throttling and 5xx are retried by the SDK with backoff (see `createDynamoClient`).
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export type Item = Record<string, unknown>;

/** Marker on an item that could not be unmarshalled (e.g. a number beyond double precision). */
export const UNREADABLE = Symbol('unreadable');
export interface UnreadableItem {
  [UNREADABLE]: string;
  PK?: string;
  SK?: string;
}
export function isUnreadable(item: Item | UnreadableItem): item is UnreadableItem {
  return (item as UnreadableItem)[UNREADABLE] !== undefined;
}

/** Where items come from: the consumer's view of a table. */
export interface ConversationSource {
  /**
   * Every item of the table, once, in no particular order, a page at a time: one await per page
   * rather than per item (per item, the async iteration alone measured 20–40 ms per 100k items).
   */
  pages(): AsyncIterable<readonly (Item | UnreadableItem)[]>;
}

export interface ScanOptions {
  tableName: string;
  /** Parallel scan segments (1 = sequential). */
  segments: number;
  /** Items per page (DynamoDB caps a page at 1 MB anyway). */
  pageSize?: number;
  /** Called once per page, for progress. */
  onPage?: (items: number) => void;
}

/** Convert one raw item; a failure becomes an {@link UnreadableItem} so the caller can reject it. */
export function unmarshallItem(raw: Record<string, AttributeValue>): Item | UnreadableItem {
  try {
    return unmarshall(raw);
  } catch (err) {
    const out: UnreadableItem = { [UNREADABLE]: `unmarshall failed: ${(err as Error).message}` };
    if (raw.PK?.S !== undefined) out.PK = raw.PK.S;
    if (raw.SK?.S !== undefined) out.SK = raw.SK.S;
    return out;
  }
}

/** A {@link ConversationSource} backed by a parallel DynamoDB scan. */
export class DynamoScanSource implements ConversationSource {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: ScanOptions,
  ) {}

  pages(): AsyncIterable<readonly (Item | UnreadableItem)[]> {
    return scanPages(this.client, this.options);
  }
}

/**
 * Scan all segments concurrently, a page at a time (each page converted as a whole); pages are
 * handed over through a small bounded queue so that a slow consumer applies back-pressure to the
 * scanners.
 */
export async function* scanPages(
  client: DynamoDBClient,
  options: ScanOptions,
): AsyncGenerator<(Item | UnreadableItem)[]> {
  const total = Math.max(1, options.segments);
  const queue: Record<string, AttributeValue>[][] = [];
  const capacity = total * 2;
  let active = total;
  let failure: unknown;
  let wakeConsumer: (() => void) | undefined;
  const wakeProducers: (() => void)[] = [];
  let stopped = false;

  const notifyConsumer = () => {
    const w = wakeConsumer;
    wakeConsumer = undefined;
    w?.();
  };

  const runSegment = async (segment: number) => {
    let startKey: Record<string, AttributeValue> | undefined;
    try {
      do {
        while (queue.length >= capacity && !stopped) await new Promise<void>((r) => wakeProducers.push(r));
        if (stopped) return;
        const page = await client.send(
          new ScanCommand({
            TableName: options.tableName,
            ExclusiveStartKey: startKey,
            Limit: options.pageSize,
            ...(total > 1 ? { Segment: segment, TotalSegments: total } : {}),
          }),
        );
        const items = page.Items ?? [];
        options.onPage?.(items.length);
        if (items.length) queue.push(items);
        startKey = page.LastEvaluatedKey;
        notifyConsumer();
      } while (startKey);
    } catch (err) {
      failure ??= err;
    } finally {
      active--;
      notifyConsumer();
    }
  };

  const runners = Array.from({ length: total }, (_, s) => runSegment(s));
  try {
    while (true) {
      if (failure) throw failure;
      const page = queue.shift();
      if (page) {
        wakeProducers.shift()?.();
        yield page.map(unmarshallItem);
        continue;
      }
      if (active === 0) break;
      await new Promise<void>((r) => {
        wakeConsumer = r;
      });
    }
    if (failure) throw failure;
  } finally {
    stopped = true;
    for (const w of wakeProducers.splice(0)) w();
    await Promise.allSettled(runners);
  }
}

/**
 * Token workers: threads that measure batches of conversations (parse, validate, count tokens:
 * {@link measureConversations}) while the main thread reads the CSV and writes the Parquet.
 *
 * A worker runs this very file. In the Lambda bundle every module is inside the handler's one
 * file, so a worker re-runs that bundle; the handler starts nothing off the main thread, and the
 * code at the end of this file turns the thread into a worker. From TypeScript sources (tests,
 * bench, `npm start`) the worker loads this file through tsx.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createTokenCounter, type TokenMethod } from '@catia/shared';
import { type MeasuredBatch, measureConversations } from './measure';
import type { ConversationMeasurer } from './pipeline';

const WORKER_FLAG = 'catiaTransformTokenWorker';

type Reply = { id: number; values: Float64Array; errors: string[] } | { id: number; failure: string };

interface Request {
  id: number;
  chars: number;
  resolve: (m: MeasuredBatch) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  requests: Map<number, Request>;
  pendingChars: number;
}

/** Raised for every batch of a worker that died (the run fails and can be retried; nothing is guessed). */
export class TokenWorkerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenWorkerError';
  }
}

/** Workers worth starting on this machine: one per processor beyond the main thread's. */
export function defaultWorkerCount(): number {
  return Math.max(0, availableParallelism() - 1);
}

/** A pool of token workers counting with `method`; {@link TokenWorkers.start} resolves once each has loaded it. */
export class TokenWorkers implements ConversationMeasurer {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  pendingChars = 0;

  private constructor(readonly method: TokenMethod) {}

  /** Start `size` workers (at least one) and wait until each has loaded its encoding. */
  static async start(method: TokenMethod, size: number): Promise<TokenWorkers> {
    const pool = new TokenWorkers(method);
    const fromSource = __filename.endsWith('.ts');
    const started = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(__filename, {
        workerData: { [WORKER_FLAG]: true, method },
        // TypeScript sources (tests, bench) need tsx's loader; the Lambda bundle is plain JavaScript.
        ...(fromSource ? { execArgv: ['--require', createRequire(__filename).resolve('tsx/cjs')] } : {}),
      });
      const slot: Slot = { worker, requests: new Map(), pendingChars: 0 };
      pool.slots.push(slot);
      return new Promise<void>((resolve, reject) => {
        worker.once('message', () => {
          pool.listen(slot);
          worker.unref();
          resolve();
        });
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new TokenWorkerError(`token worker exited (code ${code}) while starting`)),
        );
      });
    });
    try {
      await Promise.all(started);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** False once a worker has died: the pool then refuses work and should be replaced. */
  get healthy(): boolean {
    return this.failure === undefined;
  }

  measure(texts: string[], chars: number): Promise<MeasuredBatch> {
    if (this.failure) return Promise.reject(this.failure);
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.pendingChars < slot.pendingChars) slot = s;
    const id = this.nextId++;
    return new Promise<MeasuredBatch>((resolve, reject) => {
      slot.requests.set(id, { id, chars, resolve, reject });
      slot.pendingChars += chars;
      this.pendingChars += chars;
      // A worker with work keeps the process alive; an idle one does not (Lambda freezes it between runs).
      if (slot.requests.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, texts });
    });
  }

  /** Stop every worker. */
  async close(): Promise<void> {
    this.fail(new TokenWorkerError('token workers closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (reply: Reply) => {
      const req = slot.requests.get(reply.id);
      if (!req) return;
      slot.requests.delete(reply.id);
      slot.pendingChars -= req.chars;
      this.pendingChars -= req.chars;
      if (slot.requests.size === 0) slot.worker.unref();
      if ('failure' in reply) req.reject(new TokenWorkerError(reply.failure));
      else req.resolve({ values: reply.values, errors: reply.errors });
    });
    slot.worker.on('error', (err) =>
      this.fail(new TokenWorkerError(`token worker failed: ${err.message}`, { cause: err })),
    );
    slot.worker.on('exit', (code) => this.fail(new TokenWorkerError(`token worker exited (code ${code})`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const slot of this.slots) {
      for (const req of slot.requests.values()) req.reject(this.failure);
      slot.requests.clear();
      slot.pendingChars = 0;
    }
    this.pendingChars = 0;
  }
}

/** The worker side: load the encoding, say so, then measure every batch the main thread sends. */
async function serveTokenWorker(method: TokenMethod): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const count = await createTokenCounter(method);
  port.on('message', ({ id, texts }: { id: number; texts: string[] }) => {
    let reply: Reply;
    try {
      const m = measureConversations(texts, count);
      reply = { id, values: m.values, errors: m.errors };
    } catch (err) {
      // Not a row problem (those are in `errors`): the run fails with this message, as on one thread.
      reply = { id, failure: (err as Error).message };
    }
    port.postMessage(reply, 'values' in reply ? [reply.values.buffer as ArrayBuffer] : []);
  });
  port.postMessage('ready');
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG] === true) {
  void serveTokenWorker((workerData as { method: TokenMethod }).method);
}

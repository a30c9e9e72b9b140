/**
 * Token workers: threads that measure batches of conversations (parse, validate, count tokens:
 * {@link measureConversations}) while the main thread reads the CSV and writes the Parquet.
 *
 * The main thread sends every batch as soon as it is read and can take back one that no worker
 * has started yet (a flag in shared memory decides who got it first), to measure it itself when
 * it would otherwise wait. Replies are read synchronously ({@link TokenWorkers.poll}), so the main
 * thread sees the workers' progress without yielding to the event loop.
 *
 * A worker runs this very file. In the Lambda bundle every module is inside the handler's one
 * file, so a worker re-runs that bundle; the handler starts nothing off the main thread, and the
 * code at the end of this file turns the thread into a worker. From TypeScript sources (tests,
 * bench, `npm start`) the worker loads this file through tsx.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { createTokenCounter, type TokenMethod } from '@catia/shared';
import { type MeasuredBatch, measureUtf8 } from './measure';
import type { ConversationMeasurer, MeasureJob } from './pipeline';
import type { TextSlab } from './text-slab';

const WORKER_FLAG = 'catiaTransformTokenWorker';
/** Claim flags, one per batch id modulo RING (far more than batches ever in flight). */
const RING = 1 << 16;
const QUEUED = 0;
const TAKEN_BY_WORKER = 1;
const TAKEN_BACK = 2;

interface Setup {
  [WORKER_FLAG]: true;
  method: TokenMethod;
  claims: SharedArrayBuffer;
  replies: MessagePort;
}
interface WorkMessage {
  id: number;
  /** A view over the slab's SharedArrayBuffer; the batch's texts are its first `length` bytes. */
  bytes: Uint8Array;
  length: number;
  ends: Int32Array;
}
type Reply =
  | { id: number; values: Float64Array; errors: string[] }
  | { id: number; failure: string }
  | { id: number; skipped: true };

/** Raised for every batch of a worker that failed or died (the run fails and can be retried). */
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

class Job implements MeasureJob {
  measured?: MeasuredBatch;
  failure?: Error;
  readonly settled: Promise<void>;
  private settle!: () => void;

  constructor(
    readonly id: number,
    readonly size: number,
    readonly slot: Slot,
    private readonly pool: TokenWorkers,
  ) {
    this.settled = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
  }

  takeBack(): boolean {
    if (this.measured || this.failure) return false;
    if (!this.pool.claim(this.id)) return false;
    this.pool.forget(this);
    return true;
  }

  done(measured: MeasuredBatch | undefined, failure?: Error): void {
    this.measured = measured;
    this.failure = failure;
    this.settle();
  }
}

interface Slot {
  worker: Worker;
  replies: MessagePort;
  jobs: Map<number, Job>;
  pendingBytes: number;
}

/** A pool of token workers counting with `method`; {@link TokenWorkers.start} resolves once each has loaded it. */
export class TokenWorkers implements ConversationMeasurer {
  private readonly slots: Slot[] = [];
  private readonly claims = new Int32Array(new SharedArrayBuffer(4 * RING));
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(readonly method: TokenMethod) {}

  /** Start `size` workers (at least one) and wait until each has loaded its encoding. */
  static async start(method: TokenMethod, size: number): Promise<TokenWorkers> {
    const pool = new TokenWorkers(method);
    const fromSource = __filename.endsWith('.ts');
    const started = Array.from({ length: Math.max(1, size) }, () => {
      const { port1, port2 } = new MessageChannel();
      const setup: Setup = {
        [WORKER_FLAG]: true,
        method,
        claims: pool.claims.buffer as SharedArrayBuffer,
        replies: port2,
      };
      const worker = new Worker(__filename, {
        workerData: setup,
        transferList: [port2],
        // TypeScript sources (tests, bench) need tsx's loader; the Lambda bundle is plain JavaScript.
        ...(fromSource ? { execArgv: ['--require', createRequire(__filename).resolve('tsx/cjs')] } : {}),
      });
      const slot: Slot = { worker, replies: port1, jobs: new Map(), pendingBytes: 0 };
      pool.slots.push(slot);
      return new Promise<void>((resolve, reject) => {
        worker.once('message', () => {
          pool.listen(slot);
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

  /** False once a worker has failed or died: the pool then refuses work and should be replaced. */
  get healthy(): boolean {
    return this.failure === undefined;
  }

  send(slab: TextSlab): MeasureJob {
    const size = slab.length;
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.pendingBytes < slot.pendingBytes) slot = s;
    const id = this.nextId++;
    const job = new Job(id, size, slot, this);
    if (this.failure) {
      job.done(undefined, this.failure);
      return job;
    }
    Atomics.store(this.claims, id % RING, QUEUED);
    slot.jobs.set(id, job);
    slot.pendingBytes += size;
    // A worker with work keeps the process alive; an idle one does not (Lambda freezes it between runs).
    if (slot.jobs.size === 1) this.keepAlive(slot, true);
    // The slab is shared memory: the worker reads the texts in place.
    const message: WorkMessage = { id, bytes: slab.bytes, length: slab.length, ends: Int32Array.from(slab.ends) };
    slot.worker.postMessage(message);
    return job;
  }

  /** Take in every reply already sent, without waiting. */
  poll(): void {
    for (const slot of this.slots) {
      for (let m = receiveMessageOnPort(slot.replies); m; m = receiveMessageOnPort(slot.replies)) {
        this.receive(slot, m.message as Reply);
      }
    }
  }

  /** Stop every worker. */
  async close(): Promise<void> {
    this.fail(new TokenWorkerError('token workers closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const s of this.slots) s.replies.close();
  }

  /** True when the batch is now the caller's: no worker had started it, and none will. */
  claim(id: number): boolean {
    return Atomics.compareExchange(this.claims, id % RING, QUEUED, TAKEN_BACK) === QUEUED;
  }

  /** Stop tracking a job taken back. */
  forget(job: Job): void {
    if (job.slot.jobs.delete(job.id)) this.release(job);
  }

  private release(job: Job): void {
    job.slot.pendingBytes -= job.size;
    if (job.slot.jobs.size === 0) this.keepAlive(job.slot, false);
  }

  private keepAlive(slot: Slot, on: boolean): void {
    if (on) {
      slot.worker.ref();
      slot.replies.ref();
    } else {
      slot.worker.unref();
      slot.replies.unref();
    }
  }

  private listen(slot: Slot): void {
    slot.replies.on('message', (reply: Reply) => this.receive(slot, reply));
    this.keepAlive(slot, false);
    slot.worker.on('error', (err) =>
      this.fail(new TokenWorkerError(`token worker failed: ${err.message}`, { cause: err })),
    );
    slot.worker.on('exit', (code) => this.fail(new TokenWorkerError(`token worker exited (code ${code})`)));
  }

  private receive(slot: Slot, reply: Reply): void {
    const job = slot.jobs.get(reply.id);
    if (!job) return; // taken back
    slot.jobs.delete(reply.id);
    this.release(job);
    if ('failure' in reply) job.done(undefined, new TokenWorkerError(reply.failure));
    else if ('values' in reply) job.done({ values: reply.values, errors: reply.errors });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const slot of this.slots) {
      for (const job of slot.jobs.values()) job.done(undefined, this.failure);
      slot.jobs.clear();
      slot.pendingBytes = 0;
      this.keepAlive(slot, false);
    }
  }
}

/** The worker side: load the encoding, say so, then measure every batch the main thread has not taken back. */
async function serveTokenWorker(setup: Setup): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const claims = new Int32Array(setup.claims);
  const count = await createTokenCounter(setup.method);
  port.on('message', ({ id, bytes, length, ends }: WorkMessage) => {
    let reply: Reply;
    if (Atomics.compareExchange(claims, id % RING, QUEUED, TAKEN_BY_WORKER) !== QUEUED) reply = { id, skipped: true };
    else {
      try {
        const m = measureUtf8(bytes.subarray(0, length), ends, ends.length, count);
        reply = { id, values: m.values, errors: m.errors };
      } catch (err) {
        // Not a row problem (those are in `errors`): the run fails with this message, as on one thread.
        reply = { id, failure: (err as Error).message };
      }
    }
    setup.replies.postMessage(reply, 'values' in reply ? [reply.values.buffer as ArrayBuffer] : []);
  });
  port.postMessage('ready');
}

if (!isMainThread && (workerData as Partial<Setup> | null)?.[WORKER_FLAG] === true) {
  void serveTokenWorker(workerData as Setup);
}

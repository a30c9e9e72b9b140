/**
 * Run accounting. Every item read ends in exactly one bucket: written (as part of an output row),
 * filtered (with a reason) or rejected (keys + reason, written next to the output).
 */

/** One rejected item: its keys and a reason. Never any message text. */
export interface Rejection {
  keys: Record<string, string>;
  reason: string;
}

/** The accounting part of every step's summary. */
export interface RunSummary {
  step: string;
  /** Items (or rows) read from the input. */
  scanned: number;
  /** Items that went into the output. (Per-step figures such as `users` say how many rows they made.) */
  written: number;
  /** Items left out on purpose, by reason. */
  filtered: Record<string, number>;
  /** Items that could not be understood. */
  rejected: number;
  /** Calls to AWS that were retried after a transient fault. */
  retries: number;
}

/** Mutable tally used while a step runs; `finish()` checks the invariant and freezes it. */
export class RunTally {
  scanned = 0;
  written = 0;
  retries = 0;
  readonly filtered: Record<string, number> = {};
  readonly rejections: Rejection[] = [];

  constructor(readonly step: string) {}

  filter(reason: string, count = 1): void {
    this.filtered[reason] = (this.filtered[reason] ?? 0) + count;
  }

  reject(keys: Record<string, string>, reason: string): void {
    this.rejections.push({ keys, reason });
  }

  get filteredTotal(): number {
    let n = 0;
    for (const v of Object.values(this.filtered)) n += v;
    return n;
  }

  /** True when every scanned item is accounted for. */
  get balanced(): boolean {
    return this.scanned === this.written + this.filteredTotal + this.rejections.length;
  }

  /** The summary; throws when `scanned ≠ written + filtered + rejected` (a counting bug must never publish). */
  finish(): RunSummary {
    if (!this.balanced) {
      throw new Error(
        `run accounting does not balance for ${this.step}: scanned=${this.scanned} written=${this.written} filtered=${this.filteredTotal} rejected=${this.rejections.length}`,
      );
    }
    return {
      step: this.step,
      scanned: this.scanned,
      written: this.written,
      filtered: sortKeys(this.filtered),
      rejected: this.rejections.length,
      retries: this.retries,
    };
  }
}

/** Rejections as JSON lines, sorted by keys so that re-runs produce identical files. */
export function rejectionsToJsonl(rejections: readonly Rejection[]): string {
  const lines = rejections.map((r) => JSON.stringify({ keys: sortKeys(r.keys), reason: r.reason }));
  lines.sort();
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function sortKeys<T>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k] as T;
  return out;
}

/** A one-line human reading of a summary, for terminals and logs. */
export function formatSummaryLine(s: RunSummary): string {
  const filtered = Object.values(s.filtered).reduce((a, b) => a + b, 0);
  return `${s.step}: scanned=${s.scanned} written=${s.written} filtered=${filtered} rejected=${s.rejected} retries=${s.retries}`;
}

/**
 * One measurement: wall time of `run`, peak RSS of this process (the kernel's high-water mark,
 * so nothing between samples is missed), and the throughput figures derived from them.
 */
export interface Measurement {
  stage: string;
  size: string;
  /** Items (or rows, or conversations) processed. */
  items: number;
  /** Bytes of text processed (the MB/s basis). */
  bytes: number;
  ms: number;
  peakRssMb: number;
  itemsPerSec: number;
  mbPerSec: number;
  /** Stage-specific figures (tokens, ratios, output size …). */
  extra: Record<string, number | string>;
}

export async function measure(
  stage: string,
  size: string,
  run: () => Promise<{ items: number; bytes: number; extra?: Record<string, number | string> }>,
): Promise<Measurement> {
  if (global.gc) global.gc();
  const t0 = performance.now();
  const r = await run();
  const ms = performance.now() - t0;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const mem = process.memoryUsage();
  return {
    stage,
    size,
    items: r.items,
    bytes: r.bytes,
    ms,
    peakRssMb,
    itemsPerSec: r.items / (ms / 1000),
    mbPerSec: r.bytes / 1e6 / (ms / 1000),
    extra: { ...r.extra, heapMB: Math.round(mem.heapUsed / 1e6), externalMB: Math.round(mem.external / 1e6) },
  };
}

/**
 * The consolidated Lambda as the bench runs it: bundled by esbuild with the service's options and
 * run by plain `node` (no tsx, none of the bench's own imports), so its peak RSS is the function's.
 * Only the Athena refresh is left out (no emulator serves Athena; its queries are a few requests).
 * Prints one JSON line: the summary's figures, wall time and the kernel's peak RSS of this process.
 */
import { createConsolidatedHandler } from '../../services/tokens/src/handlers/consolidated';

const noAthena = { execute: async () => [], registerCsvTable: async () => undefined };

async function main(): Promise<void> {
  const t0 = performance.now();
  const s = await createConsolidatedHandler({ queryEngine: noAthena })();
  const ms = performance.now() - t0;
  const mem = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      conversations: s.conversations,
      ms,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      heapMB: Math.round(mem.heapUsed / 1e6),
      externalMB: Math.round(mem.external / 1e6),
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

/**
 * Runs the embedded AWS (dynalite + fauxqs) in its own process and prints one JSON line with the
 * environment that points the SDK at it. Used by the jest global setup and the bench, so emulator
 * memory and CPU are not counted as the pipeline's. Stops on SIGTERM/SIGINT or when stdin closes.
 *
 *   npx tsx scripts/emulators.ts [--table NAME]... [--bucket NAME]...
 */
import { startEmbeddedAws } from '@catia/shared/embedded-aws';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const tables: string[] = [];
  const buckets: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--table' && value) tables.push(value);
    else if (flag === '--bucket' && value) buckets.push(value);
    else throw new Error(`unknown option ${flag}`);
  }
  const aws = await startEmbeddedAws({ tables, buckets });
  const stop = async () => {
    await aws.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify(aws.env)}\n`);
}

main().catch((err) => {
  process.stderr.write(`emulators: ${(err as Error).message}\n`);
  process.exit(1);
});

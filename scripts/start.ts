/**
 * `npm start`: the whole pipeline on embedded AWS, on a built-in sample or on your table exports.
 *
 *   npm start -- [--catia PATH] [--bedrock-old PATH] [--bedrock-new PATH] [--users N] [--seed S]
 *                [--run-date YYYY-MM-DD] [--stage test|prod] [--out DIR]
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isIsoDay, toEpochMs } from '@catia/shared';
import { type LocalRunResult, runLocalPipeline } from './lib/local-pipeline';

interface Options {
  catia?: string;
  bedrockOld?: string;
  bedrockNew?: string;
  users: number;
  seed: number;
  runDate?: string;
  stage: 'test' | 'prod';
  out: string;
}

const USAGE =
  'usage: npm start -- [--catia PATH] [--bedrock-old PATH] [--bedrock-new PATH] [--users N] [--seed S] [--run-date YYYY-MM-DD] [--stage test|prod] [--out DIR]';

class UsageError extends Error {}

export function parseArgs(argv: string[]): Options {
  const o: Options = { users: 1000, seed: 42, stage: 'test', out: 'out' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--help' || flag === '-h') throw new UsageError(USAGE);
    const value = argv[i + 1];
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument "${flag}" (${USAGE})`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`option ${flag} needs a value`);
    i++;
    switch (flag) {
      case '--catia':
      case '--bedrock-old':
      case '--bedrock-new': {
        const path = resolve(value);
        if (!existsSync(path)) throw new UsageError(`option ${flag}: cannot read ${value}`);
        if (flag === '--catia') o.catia = path;
        else if (flag === '--bedrock-old') o.bedrockOld = path;
        else o.bedrockNew = path;
        break;
      }
      case '--users':
      case '--seed': {
        if (!/^\d+$/.test(value) || (flag === '--users' && Number(value) < 1)) {
          throw new UsageError(
            `option ${flag} must be a ${flag === '--users' ? 'positive' : 'non-negative'} integer, got "${value}"`,
          );
        }
        if (flag === '--users') o.users = Number(value);
        else o.seed = Number(value);
        break;
      }
      case '--run-date':
        if (!isIsoDay(value) || toEpochMs(value) === undefined)
          throw new UsageError(`option --run-date must be a date YYYY-MM-DD, got "${value}"`);
        o.runDate = value;
        break;
      case '--stage':
        if (value !== 'test' && value !== 'prod')
          throw new UsageError(`option --stage must be test or prod, got "${value}"`);
        o.stage = value;
        break;
      case '--out':
        o.out = value;
        break;
      default:
        throw new UsageError(`unknown option ${flag} (${USAGE})`);
    }
  }
  return o;
}

const fmt = (n: unknown) =>
  typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: 6 }) : String(n);

function printSummary(r: LocalRunResult): void {
  const out = process.stdout;
  out.write(`\nCatIA analytics — local run (stage ${r.stage}, run date ${r.runDate})\n`);
  for (const [name, source] of Object.entries(r.inputs))
    out.write(`  input ${name.padEnd(12)} ${source} → ${fmt(r.loaded[name])} items\n`);
  out.write('\n  step                  scanned    written   filtered   rejected   time\n');
  for (const s of r.steps) {
    const filtered = Object.values(s.summary.filtered ?? {}).reduce((a, b) => a + b, 0);
    out.write(
      `  ${s.step.padEnd(20)} ${fmt(s.summary.scanned).padStart(8)} ${fmt(s.summary.written).padStart(10)} ${fmt(filtered).padStart(10)} ${fmt(s.summary.rejected).padStart(10)}   ${(s.ms / 1000).toFixed(1)} s\n`,
    );
  }
  out.write(`  every item accounted for (scanned = written + filtered + rejected): ${r.balanced ? 'yes' : 'NO'}\n`);
  const u = r.validation.usuarios?.[0];
  if (u) {
    out.write(
      `\n  users: ${fmt(u.total_usuarios)}, first conversations ${u.primera} … ${u.ultima}, ${Number(u.promedio_conversaciones).toFixed(2)} conversations per user\n`,
    );
  }
  for (const row of r.validation.tokensPorFuente ?? []) {
    out.write(
      `  ${String(row.source).padEnd(10)} ${fmt(row.conversaciones)} conversations, ${fmt(row.input_token)} input / ${fmt(row.output_token)} output tokens, USD ${Number(row.total_price).toFixed(2)}\n`,
    );
  }
  out.write(`\n  outputs in ${r.outDir}/ (summary.json, logs.jsonl, reports/, archival/, tokens-analysis/)\n`);
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(err instanceof UsageError && (err as Error).message === USAGE ? 0 : 2);
  }
  const tty = process.stdout.isTTY === true;
  const result = await runLocalPipeline({
    stage: opts.stage,
    runDate: opts.runDate,
    users: opts.users,
    seed: opts.seed,
    catia: opts.catia,
    bedrockOld: opts.bedrockOld,
    bedrockNew: opts.bedrockNew,
    outDir: resolve(opts.out),
    onProgress: tty ? (text) => process.stdout.write(`\r  ${text}\x1b[K`) : undefined,
    onStep: (step, phase, ms) => {
      if (phase === 'start') process.stdout.write(tty ? `\r  ▸ ${step} …\x1b[K` : `▸ ${step}\n`);
      else
        process.stdout.write(
          tty
            ? `\r  ✓ ${step} (${((ms ?? 0) / 1000).toFixed(1)} s)\x1b[K\n`
            : `✓ ${step} (${((ms ?? 0) / 1000).toFixed(1)} s)\n`,
        );
    },
  });
  if (tty) process.stdout.write('\r\x1b[K');
  printSummary(result);
  if (!result.balanced) process.exit(1);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`npm start failed: ${(err as Error).name}: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

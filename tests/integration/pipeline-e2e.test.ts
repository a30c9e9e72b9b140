/**
 * The whole local pipeline, as a user runs it (`npm start`), in a child process: every step's
 * accounting balances, the rejects files list exactly the rejected items, the logs carry no
 * personal data, and a second run with the same data and run date writes byte-identical files.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { generateCatiaItems } from '../../scripts/lib/sample-data';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const USERS = 120;
const SEED = 7;
const RUN_DATE = '2026-01-15';

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(root, p));
    else out.push(relative(root, p));
  }
  return out.sort();
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

interface Summary {
  steps: {
    step: string;
    summary: {
      scanned: number;
      written: number;
      filtered: Record<string, number>;
      rejected: number;
      rejectsKey?: string | null;
    };
  }[];
  balanced: boolean;
}

async function startRun(out: string): Promise<{ stdout: string; stderr: string }> {
  return run(
    process.execPath,
    [
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      join(ROOT, 'scripts/start.ts'),
      '--users',
      String(USERS),
      '--seed',
      String(SEED),
      '--run-date',
      RUN_DATE,
      '--out',
      out,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: '', AWS_ENDPOINT_URL_S3: '' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

describe('npm start, end to end', () => {
  const outA = mkdtempSync(join(tmpdir(), 'catia-run-a-'));
  const outB = mkdtempSync(join(tmpdir(), 'catia-run-b-'));
  let first: { stdout: string; stderr: string };

  beforeAll(async () => {
    first = await startRun(outA);
    await startRun(outB);
  }, 240_000);

  it('writes every output the pipeline promises', () => {
    const files = listFiles(outA);
    for (const expected of [
      'summary.json',
      `reports/etl-process1/data_${RUN_DATE.replaceAll('-', '')}.csv`,
      'reports/etl-process1/manifest.json',
      'reports/etl-process2/data.parquet',
      'archival/tokens-analysis/tokens_analysis_old_table.csv',
      'tokens-analysis/tokens_analysis_consolidated.csv',
    ]) {
      expect(files).toContain(expected);
    }
    expect(first.stdout).toContain('every item accounted for');
  });

  it('accounts for every item on every step', () => {
    const summary = JSON.parse(readFileSync(join(outA, 'summary.json'), 'utf-8')) as Summary;
    expect(summary.steps.map((s) => s.step)).toEqual([
      'normalize',
      'transform',
      'tokens-archival',
      'tokens-consolidated',
    ]);
    for (const { summary: s } of summary.steps) {
      const filtered = Object.values(s.filtered).reduce((a, b) => a + b, 0);
      expect(s.scanned).toBe(s.written + filtered + s.rejected);
      expect(s.scanned).toBeGreaterThan(0);
    }
    expect(summary.balanced).toBe(true);
  });

  it('lists exactly the rejected items in the rejects files', () => {
    const summary = JSON.parse(readFileSync(join(outA, 'summary.json'), 'utf-8')) as Summary;
    for (const { step, summary: s } of summary.steps) {
      if (s.rejected === 0) continue;
      expect(s.rejectsKey).toBeTruthy();
      const lines = readFileSync(join(outA, s.rejectsKey as string), 'utf-8')
        .trim()
        .split('\n');
      expect({ step, lines: lines.length }).toEqual({ step, lines: s.rejected });
      for (const line of lines) {
        const r = JSON.parse(line) as { keys: Record<string, string>; reason: string };
        expect(Object.keys(r).sort()).toEqual(['keys', 'reason']);
      }
    }
  });

  it('keeps names, e-mails and message texts out of the logs and the terminal', () => {
    const logs = readFileSync(join(outA, 'logs.jsonl'), 'utf-8') + first.stdout + first.stderr;
    expect(logs.length).toBeGreaterThan(0);
    const secrets = new Set<string>();
    const collect = (v: unknown, key?: string): void => {
      if (typeof v === 'string') {
        if (['nombre', 'email', 'correo', 'text'].includes(key ?? '') && v.trim().length >= 8) secrets.add(v.trim());
        return;
      }
      if (Array.isArray(v)) for (const x of v) collect(x);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, k);
    };
    for (const item of generateCatiaItems({ users: USERS, seed: SEED })) collect(item);
    expect(secrets.size).toBeGreaterThan(50);
    const leaked = [...secrets].filter((s) => logs.includes(s));
    expect(leaked).toEqual([]);
  });

  it('writes byte-identical files when run again on the same data and run date', () => {
    const files = listFiles(outA).filter((f) => f !== 'logs.jsonl' && f !== 'summary.json');
    expect(listFiles(outB).filter((f) => f !== 'logs.jsonl' && f !== 'summary.json')).toEqual(files);
    for (const f of files) expect({ f, hash: sha(join(outB, f)) }).toEqual({ f, hash: sha(join(outA, f)) });
  });
});

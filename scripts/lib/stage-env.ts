/**
 * Reads a stage file (`.env.test` / `.env.prod` at the repository root): `NAME=value` lines,
 * `#` comments, optional surrounding quotes. The same file feeds deploys and local runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    }
    out[name] = value;
  }
  return out;
}

export function readStageEnv(stage: string): Record<string, string> {
  if (!/^[a-z0-9-]+$/.test(stage)) throw new Error(`invalid stage "${stage}"`);
  return parseEnvFile(readFileSync(join(REPO_ROOT, `.env.${stage}`), 'utf-8'));
}

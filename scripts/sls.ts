/**
 * Runs the Serverless CLI (osls) with a stage's settings: loads the root `.env.<stage>` into the
 * environment (never overriding variables already set), then runs `sls` at the root (Compose) or
 * in `services/<name>` with `--service <name>`.
 *
 *   npm run sls -- deploy --stage prod
 *   npm run sls -- invoke -f archival --service tokens --stage test
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, readStageEnv } from './lib/stage-env';

const args = process.argv.slice(2);
const stageAt = args.indexOf('--stage');
const stage = stageAt >= 0 ? (args[stageAt + 1] ?? '') : 'test';
if (stageAt < 0) args.push('--stage', stage);
const serviceAt = args.indexOf('--service');
let cwd = REPO_ROOT;
if (serviceAt >= 0) {
  const name = args[serviceAt + 1] ?? '';
  args.splice(serviceAt, 2);
  cwd = join(REPO_ROOT, 'services', name);
  if (!existsSync(join(cwd, 'serverless.yml'))) {
    process.stderr.write(`no service named "${name}" (normalize, transform, tokens)\n`);
    process.exit(2);
  }
}
let stageEnv: Record<string, string>;
try {
  stageEnv = readStageEnv(stage);
} catch {
  process.stderr.write(`cannot read .env.${stage} (stages: test, prod)\n`);
  process.exit(2);
}
const env: Record<string, string | undefined> = { ...stageEnv, ...process.env };
// Compose spawns `serverless` from PATH: put the project's osls first.
env.PATH = `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'sls'), args, { cwd, env, stdio: 'inherit' });
process.exit(result.status ?? 1);

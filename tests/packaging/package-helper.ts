/**
 * Packages the services offline with `sls package` (osls) and returns the generated
 * CloudFormation. Each (service, stage) is packaged once per test run, all in parallel.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, readStageEnv } from '../../scripts/lib/stage-env';

const run = promisify(execFile);
export const SERVICES = ['normalize', 'transform', 'tokens'] as const;
export const STAGES = ['test', 'prod'] as const;
export type Service = (typeof SERVICES)[number];
export type Stage = (typeof STAGES)[number];

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
}

export function slsEnv(stage: Stage, drop: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...readStageEnv(stage) };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_ENDPOINT_URL')) delete env[k];
  for (const k of drop) delete env[k];
  env.PATH = `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
  return env;
}

export async function packageService(
  service: Service,
  stage: Stage,
  env = slsEnv(stage),
): Promise<{ dir: string; template: Template }> {
  const dir = mkdtempSync(join(tmpdir(), `pkg-${service}-${stage}-`));
  await run(join(REPO_ROOT, 'node_modules', '.bin', 'sls'), ['package', '--stage', stage, '--package', dir], {
    cwd: join(REPO_ROOT, 'services', service),
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const template = JSON.parse(
    readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf-8'),
  ) as Template;
  return { dir, template };
}

export async function packageAll(): Promise<Record<`${Service}-${Stage}`, Template>> {
  const jobs = SERVICES.flatMap((s) => STAGES.map((st) => [s, st] as const));
  const results = await Promise.all(jobs.map(([s, st]) => packageService(s, st)));
  return Object.fromEntries(
    jobs.map(([s, st], i) => [`${s}-${st}`, (results[i] as { template: Template }).template]),
  ) as Record<`${Service}-${Stage}`, Template>;
}

export function resourcesOfType(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

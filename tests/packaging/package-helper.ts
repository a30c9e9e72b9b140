/**
 * Packages the services offline with `sls package` (osls) and returns the generated
 * CloudFormation. Each (service, stage) is packaged once per test run, all in parallel.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, readStageEnv } from '../../scripts/lib/stage-env';

/** Longest one `sls package` may take before its whole process tree is killed. */
export const SLS_TIMEOUT_MS = 300_000;

/**
 * Runs `sls <args>` in its own process group and resolves with its output. On a non-zero exit it
 * rejects with the output; past `SLS_TIMEOUT_MS` it kills the whole group (Compose's per-service
 * `serverless` processes and their esbuild included), so a stuck build can never keep the test
 * runner alive.
 */
export function runSls(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  // The esbuild plugin's work folders go to a temporary directory of this call, removed at exit.
  const tmp = mkdtempSync(join(tmpdir(), 'sls-tmp-'));
  return new Promise<string>((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'sls'), args, {
      cwd,
      env: { ...env, TMPDIR: tmp },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      output += `\n[killed after ${SLS_TIMEOUT_MS} ms]`;
      killGroup();
    }, SLS_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // leftovers of the group must not outlive the command
      if (code === 0) resolve(output);
      else reject(new Error(`sls ${args.join(' ')} (in ${cwd}) failed (${signal ?? code}):\n${output}`));
    });
  }).finally(() => rmSync(tmp, { recursive: true, force: true }));
}
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
): Promise<{ template: Template }> {
  const dir = mkdtempSync(join(tmpdir(), `pkg-${service}-${stage}-`));
  try {
    await runSls(['package', '--stage', stage, '--package', dir], join(REPO_ROOT, 'services', service), env);
    const template = JSON.parse(
      readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf-8'),
    ) as Template;
    return { template };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

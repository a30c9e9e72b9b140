/**
 * Start `scripts/emulators.ts` as a child process and wait for its endpoints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface EmulatorProcess {
  env: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(
  opts: { tables?: string[]; buckets?: string[] } = {},
): Promise<EmulatorProcess> {
  const root = join(__dirname, '..', '..');
  const args = [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'emulators.ts')];
  for (const t of opts.tables ?? []) args.push('--table', t);
  for (const b of opts.buckets ?? []) args.push('--bucket', b);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], cwd: root });
  const lines = createInterface({ input: child.stdout! });
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulators exited with code ${code}`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, string>));
  });
  return {
    env,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// Starts the embedded DynamoDB and S3 once for the whole jest run, in a child process
// (scripts/emulators.ts); workers inherit the endpoints through process.env (the SDK's standard
// AWS_ENDPOINT_URL_* variables). Tests create their own uniquely named tables and buckets.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export default async function globalSetup() {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}scripts/emulators.ts`], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: root,
  });
  const env = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulators exited with code ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  });
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  globalThis.__EMULATORS__ = child;
}

import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { MemoryObjectStore, MemorySource } from '@catia/shared';
import { loadNormalizeConfig } from '../services/normalize/src/normalize/config';
import { runNormalize } from '../services/normalize/src/normalize/pipeline';
import { catiaItems } from './bench/data';
async function main() {
  const items = catiaItems(100_000);
  const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'bench' });
  const run = () => runNormalize({ source: new MemorySource(items), store: new MemoryObjectStore(), config, runDate: '2025-12-31' });
  await run();
  const prof = process.argv[2];
  const session = new Session();
  if (prof) { session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start'); }
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    const s = await run();
    const ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    console.log(r, `wall ${Math.round(ms)} ms, cpu ${Math.round(cpu)} ms -> ${Math.round(s.scanned / (cpu / 1000))} items/cpu-s`, s.users, s.outputBytes);
  }
  if (prof) { const { profile } = await session.post('Profiler.stop'); writeFileSync(prof, JSON.stringify(profile)); }
}
main();

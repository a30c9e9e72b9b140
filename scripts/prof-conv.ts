import { readConversation } from '../services/normalize/src/normalize/items';
import { toEpochMs } from '@catia/shared';
import { catiaItems } from './bench/data';
const items = catiaItems(100_000).filter((i) => i.Conversation !== undefined);
const lists = items.map((i) => i.Conversation).filter(Array.isArray) as Record<string, unknown>[][];
const strs = items.map((i) => i.Conversation).filter((c) => typeof c === 'string') as string[];
function time(name: string, f: () => void) {
  for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); console.log(name, ((c.user + c.system) / 1000).toFixed(0), 'ms'); }
}
time('readConversation(all)', () => { for (const i of items) readConversation(i.Conversation); });
time('readConversation(lists)', () => { for (const l of lists) readConversation(l); });
time('JSON.parse(strs)', () => { for (const s of strs) try { JSON.parse(s); } catch {} });
let ts: unknown[] = []; for (const l of lists) for (const m of l) ts.push(m.timestamp);
time('toEpochMs', () => { for (const t of ts) toEpochMs(t); });
time('Date.parse', () => { for (const t of ts) Date.parse(t as string); });
time('stringify texts', () => { for (const l of lists) for (const m of l) JSON.stringify(m.text); });
console.log(items.length, lists.length, strs.length, ts.length);
time('render only', () => {
  for (const l of lists) {
    let json = '[';
    for (let i = 0; i < l.length; i++) { const m = l[i] as Record<string, unknown>;
      json += `${i ? ',' : ''}{"rol":"user","texto":${JSON.stringify(m.text)},"fecha":"${m.timestamp}"}`; }
    json += ']';
    Buffer.from(json.replaceAll('"', '""'), 'utf-8');
  }
});
time('render no buffer', () => {
  for (const l of lists) {
    let json = '[';
    for (let i = 0; i < l.length; i++) { const m = l[i] as Record<string, unknown>;
      json += `${i ? ',' : ''}{"rol":"user","texto":${JSON.stringify(m.text)},"fecha":"${m.timestamp}"}`; }
    json += ']';
    json.replaceAll('"', '""').length;
  }
});
time('render no replace', () => {
  for (const l of lists) {
    let json = '[';
    for (let i = 0; i < l.length; i++) { const m = l[i] as Record<string, unknown>;
      json += `${i ? ',' : ''}{"rol":"user","texto":${JSON.stringify(m.text)},"fecha":"${m.timestamp}"}`; }
    json += ']';
    Buffer.from(json, 'utf-8');
  }
});
const slab = Buffer.allocUnsafe(64 << 20); let pos = 0;
time('render to slab', () => {
  pos = 0;
  for (const l of lists) {
    let json = '[';
    for (let i = 0; i < l.length; i++) { const m = l[i] as Record<string, unknown>;
      json += `${i ? ',' : ''}{"rol":"user","texto":${JSON.stringify(m.text)},"fecha":"${m.timestamp}"}`; }
    json += ']';
    pos += slab.write(json.replaceAll('"', '""'), pos);
  }
});

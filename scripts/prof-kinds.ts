import { catiaItems } from './bench/data';
const items = catiaItems(100_000);
const c: Record<string, number> = {};
let convBytes = 0, n = 0;
for (const it of items) {
  const sk = String(it.SK);
  const conv = it.Conversation;
  const k = conv === undefined ? 'none' : typeof conv === 'string' ? (conv.trimStart().startsWith('[{"') || conv.trim()==='[]' ? 'json' : 'other-str:' + conv.slice(0, 3)) : Array.isArray(conv) ? 'list' : typeof conv;
  c[k] = (c[k] ?? 0) + 1;
  if (typeof conv === 'string') { convBytes += conv.length; n++; }
  const ud = it.UserData; const kk = 'ud:' + (ud === undefined ? 'none' : typeof ud === 'string' ? ud.slice(0, 2) : typeof ud);
  c[kk] = (c[kk] ?? 0) + 1;
  const fb = it.Feedback; const kf = 'fb:' + (fb === undefined ? 'none' : typeof fb === 'string' ? fb.slice(0, 2) : typeof fb);
  c[kf] = (c[kf] ?? 0) + 1;
  const ca = 'ca:' + (it.CreatedAt === undefined ? 'none' : typeof it.CreatedAt);
  c[ca] = (c[ca] ?? 0) + 1;
}
console.log(c, convBytes / n);
console.log(JSON.stringify(items.find((i) => typeof i.Conversation === 'string')).slice(0, 800));

/**
 * normalize: the Catia conversations table → one CSV row per user.
 *
 * Accounting (every scanned item ends in exactly one bucket):
 * - rejected: unreadable items, items without PK/SK, conversation items whose `Conversation`
 *   cannot be parsed, feedback items without a readable `Feedback`;
 * - filtered `other_kind`: SKs that are not registration, conversation or feedback;
 * - filtered `outside_date_window`: dated conversation and feedback items outside the window
 *   (their `UserData` still counts for the profile);
 * - filtered `excluded_location` / `user_without_conversations`: every remaining item of a user
 *   whose city is excluded, or who has no conversation in the window;
 * - written: every remaining item, i.e. the items that make up an output row.
 *
 * Memory: one compact state per user (profile, that user's in-window messages and feedback),
 * never raw items; the CSV is streamed to S3.
 */
import {
  bogotaDay,
  type ConversationSource,
  type CsvRow,
  CsvStreamWriter,
  compactDay,
  EncodedCsvField,
  inDayWindow,
  isUnreadable,
  JsonTextList,
  type Logger,
  type ObjectStore,
  type RetryCounter,
  type RunSummary,
  RunTally,
  rejectionsToJsonl,
  USER_CSV_COLUMNS,
} from '@catia/shared';
import { ByteArena } from './byte-arena';
import type { NormalizeConfig } from './config';
import {
  type Conversation,
  classifySk,
  type Feedback,
  type ItemKind,
  itemDateMs,
  locationMatcher,
  type Profile,
  readConversation,
  readFeedback,
  readProfile,
  renderConversation,
  userIdOf,
} from './items';

export const CSV_COLUMNS = USER_CSV_COLUMNS;

export interface NormalizeSummary extends RunSummary {
  runDate: string;
  window: { start: string; end: string };
  users: number;
  itemsByKind: Record<ItemKind, number>;
  malformedUserData: number;
  malformedFeedback: number;
  outputKey: string;
  manifestKey: string;
  rejectsKey: string;
  outputBytes: number;
}

export interface NormalizeDeps {
  source: ConversationSource;
  store: ObjectStore;
  config: NormalizeConfig;
  runDate: string;
  logger?: Logger;
  retries?: RetryCounter;
}

interface Dated {
  ms: number | undefined;
  sk: string;
}
interface UserState {
  profile?: Profile;
  profileOrder?: Dated;
  /** In-window conversations, already rendered (see {@link HeldConversation}). */
  conversations: HeldConversation[];
  feedback: (Dated & { fb: Feedback })[];
  /** Items attached to this user, to be written or filtered when the user is finalised. */
  items: number;
}

/**
 * A conversation kept until the output: its rendered bytes as a range of their slab's memory, not
 * a `Buffer` view (an object per conversation promoted to the old generation: ~60 MB per 1M
 * items), plus what the row needs.
 */
interface HeldConversation extends Dated {
  memory: ArrayBufferLike;
  offset: number;
  length: number;
  /** A `,` follows the bytes in `memory`: conversations rendered one after another join as one range. */
  commaAfter: boolean;
  questions: string[];
  messages: number;
}

/** Chronological order; undated last; ties by SK. */
const byDate = (a: Dated, b: Dated) =>
  (a.ms ?? Number.POSITIVE_INFINITY) - (b.ms ?? Number.POSITIVE_INFINITY) || (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0);

export async function runNormalize(deps: NormalizeDeps): Promise<NormalizeSummary> {
  const { config, runDate, store } = deps;
  const window = { start: config.FILTER_DATE_START, end: config.FILTER_DATE_END ?? runDate };
  const tally = new RunTally('normalize');
  const itemsByKind: Record<ItemKind, number> = { registration: 0, conversation: 0, feedback: 0, other: 0 };
  let malformedUserData = 0;
  let malformedFeedback = 0;
  const users = new Map<string, UserState>();
  const isExcluded = locationMatcher(config.EXCLUDED_LOCATIONS);
  const arena = new ByteArena();

  // A user's items come one after another in a scan (one partition), so the last PK is checked
  // first: no id slice and no map lookup for most items.
  let lastPk = '';
  let lastUserDataText: string | undefined;
  let lastProfile: ReturnType<typeof readProfile>;
  let lastUser: UserState | undefined;
  const userOf = (pk: string): UserState => {
    if (pk === lastPk && lastUser) return lastUser;
    const id = userIdOf(pk);
    let u = users.get(id);
    if (!u) {
      u = { conversations: [], feedback: [], items: 0 };
      users.set(id, u);
    }
    lastPk = pk;
    lastUser = u;
    return u;
  };
  const inWindow = (ms: number | undefined) => ms === undefined || inDayWindow(bogotaDay(ms), window.start, window.end);

  for await (const page of deps.source.pages()) {
    for (const item of page) {
      tally.scanned++;
      if (isUnreadable(item)) {
        tally.reject({ PK: item.PK ?? '', SK: item.SK ?? '' }, 'unreadable item');
        continue;
      }
      const pk = item.PK;
      const sk = item.SK;
      if (typeof pk !== 'string' || !pk || typeof sk !== 'string' || !sk) {
        tally.reject(
          { PK: typeof pk === 'string' ? pk : '', SK: typeof sk === 'string' ? sk : '' },
          'missing PK or SK',
        );
        continue;
      }
      const kind = classifySk(sk);
      itemsByKind[kind]++;

      let conversation: Conversation | undefined;
      let feedback: Feedback | undefined;
      if (kind === 'conversation') {
        const conv = readConversation(item.Conversation);
        if ('error' in conv) {
          tally.reject({ PK: pk, SK: sk }, conv.error);
          continue;
        }
        conversation = conv;
        const fb = readFeedback(item.Feedback);
        if (fb === 'malformed') malformedFeedback++;
        else feedback = fb;
      } else if (kind === 'feedback') {
        const fb = readFeedback(item.Feedback);
        if (fb === undefined || fb === 'malformed') {
          tally.reject(
            { PK: pk, SK: sk },
            fb === undefined ? 'feedback item without Feedback' : 'Feedback is not readable',
          );
          continue;
        }
        feedback = fb;
      }

      const ms = itemDateMs(item, sk, conversation?.minMs);
      const user = userOf(pk);
      const userData = item.UserData;
      if (userData !== undefined) {
        // The profile is the earliest item's. A map on a later item can be neither used nor
        // malformed, so it is not read; a string still is (it may be malformed, which is counted).
        const earlier = !user.profileOrder || byDate({ ms, sk }, user.profileOrder) < 0;
        if (earlier || typeof userData !== 'object' || userData === null || Array.isArray(userData)) {
          // A user's items usually carry the same UserData text: read it once.
          const sameText = typeof userData === 'string' && userData === lastUserDataText;
          const profile = sameText ? lastProfile : readProfile(userData);
          if (typeof userData === 'string') {
            lastUserDataText = userData;
            lastProfile = profile;
          }
          if (profile === 'malformed') malformedUserData++;
          else if (profile && earlier) {
            user.profile = profile;
            user.profileOrder = { ms, sk };
          }
        }
      }

      if (kind === 'other') {
        tally.filter('other_kind');
        continue;
      }
      if (kind !== 'registration' && !inWindow(ms)) {
        tally.filter('outside_date_window');
        continue;
      }
      user.items++;
      if (conversation) {
        // Rendered only now that it is kept: one outside the window never takes slab memory.
        const { csv, commaAfter } = renderConversation(conversation, arena);
        const { questions, messages } = conversation;
        user.conversations.push({
          ms,
          sk,
          memory: csv.buffer,
          offset: csv.byteOffset,
          length: csv.length,
          commaAfter,
          questions,
          messages,
        });
      }
      if (feedback) user.feedback.push({ ms, sk, fb: feedback });
    }
  }

  const day = compactDay(runDate);
  const outputKey = `${config.OUTPUT_PREFIX}data_${day}.csv`;
  const manifestKey = `${config.OUTPUT_PREFIX}manifest.json`;
  const rejectsKey = `${config.OUTPUT_PREFIX}rejects/data_${day}.jsonl`;

  const csv = new CsvStreamWriter(CSV_COLUMNS);
  const upload = store.write(outputKey, csv.stream, 'text/csv; charset=utf-8');
  let written = 0;
  const finishRows = (async () => {
    for (const id of [...users.keys()].sort()) {
      const u = users.get(id) as UserState;
      users.delete(id);
      const row = userRow(id, u, config, isExcluded);
      if (typeof row === 'string') {
        if (u.items) tally.filter(row, u.items);
        continue;
      }
      tally.written += u.items;
      written++;
      await csv.writeRow(row);
    }
    await csv.end();
  })();
  await Promise.all([finishRows, upload]);

  const manifest = {
    fileLocations: [{ URIs: [store.uri(outputKey)] }],
    globalUploadSettings: { format: 'CSV', delimiter: ',', textqualifier: '"', containsHeader: 'true' },
  };
  await store.write(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  await store.write(rejectsKey, rejectionsToJsonl(tally.rejections), 'application/x-ndjson');
  if (deps.retries) tally.retries = deps.retries.retries;

  const summary: NormalizeSummary = {
    ...tally.finish(),
    runDate,
    window,
    users: written,
    itemsByKind,
    malformedUserData,
    malformedFeedback,
    outputKey,
    manifestKey,
    rejectsKey,
    outputBytes: csv.bytes,
  };
  deps.logger?.info('normalize finished', { ...summary });
  return summary;
}

/**
 * A user's few conversations or feedback in date order: an insertion sort, as `Array.sort`
 * allocated ~470 bytes of work space per user (sampling heap profiler); long lists use it still.
 */
function sortByDate(list: Dated[]): void {
  if (list.length > 16) {
    list.sort(byDate);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const x = list[i] as Dated;
    let j = i - 1;
    while (j >= 0 && byDate(list[j] as Dated, x) > 0) {
      list[j + 1] = list[j] as Dated;
      j--;
    }
    list[j + 1] = x;
  }
}

/** The texts without repeats, in first-seen order: in place for a few (a Set per user cost more), else through a Set. */
function uniqueInOrder(list: string[]): string[] {
  if (list.length > 32) return [...new Set(list)];
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const t = list[i] as string;
    let seen = false;
    for (let j = 0; j < n && !seen; j++) seen = list[j] === t;
    if (!seen) list[n++] = t;
  }
  list.length = n;
  return list;
}

/** The output row of one user, or the reason the user's items are filtered. */
function userRow(
  id: string,
  u: UserState,
  config: NormalizeConfig,
  isExcluded: (city: string) => boolean,
): CsvRow | 'excluded_location' | 'user_without_conversations' {
  const p = u.profile;
  const ciudad = p?.ciudad || p?.gerencia || config.DEFAULT_CITY;
  if (isExcluded(ciudad)) return 'excluded_location';
  if (u.conversations.length === 0) return 'user_without_conversations';

  sortByDate(u.conversations);
  sortByDate(u.feedback);
  let first: number | undefined;
  let last: number | undefined;
  let mensajes = 0;
  const preguntas: string[] = [];
  // conversacion_completa = `[conv,conv,…]`, written from the conversations' escaped bytes. As
  // csvField would, it is quoted when it holds a quote or a comma: with two or more conversations
  // (the separator) or any message (every rendered message has quotes); JSON escapes CR and LF.
  // Conversations rendered one after another (a user's items come together in a scan, mostly in
  // date order) are one range of their slab, the `,` between them included: one piece for the
  // output to hand on without copying.
  const completa: Buffer[] = [OPEN];
  let quoted = u.conversations.length > 1;
  let prev: HeldConversation | undefined; // the last conversation of the current range
  let runStart = 0; // where the range starts in prev's memory
  for (let ci = 0; ci < u.conversations.length; ci++) {
    const c = u.conversations[ci] as HeldConversation;
    if (c.ms !== undefined) {
      if (first === undefined || c.ms < first) first = c.ms;
      if (last === undefined || c.ms > last) last = c.ms;
    }
    mensajes += c.messages;
    if (c.messages) quoted = true;
    for (const q of c.questions) preguntas.push(q);
    if (prev?.commaAfter && c.memory === prev.memory && c.offset === prev.offset + prev.length + 1) {
      prev = c;
      continue;
    }
    if (prev) completa.push(rangeTo(prev, runStart), COMMA);
    prev = c;
    runStart = c.offset;
  }
  if (prev) completa.push(rangeTo(prev, runStart));
  if (quoted) completa[0] = QUOTE_OPEN;
  completa.push(quoted ? QUOTE_CLOSE : CLOSE);
  let likes = 0;
  let dislikes = 0;
  const comentarios: string[] = [];
  for (const { fb } of u.feedback) {
    if (fb.type === 'like') likes++;
    else if (fb.type === 'dislike') dislikes++;
    if (fb.comment) comentarios.push(fb.comment);
    if (fb.option) comentarios.push(fb.option);
  }
  return {
    usuario_id: id,
    nombre: p?.nombre || config.DEFAULT_NAME,
    email: p?.email ?? '',
    gerencia: p?.gerencia ?? '',
    ciudad,
    fecha_primera_conversacion: first === undefined ? '' : bogotaDay(first),
    fecha_ultima_conversacion: last === undefined ? '' : bogotaDay(last),
    numero_conversaciones: u.conversations.length,
    numero_mensajes: mensajes,
    lista_preguntas: new JsonTextList(uniqueInOrder(preguntas)),
    feedback_likes: likes,
    feedback_dislikes: dislikes,
    feedback_ultima_respuesta: likes && dislikes ? 'mixed' : likes ? 'like' : dislikes ? 'dislike' : '',
    comentarios_feedback: new JsonTextList(uniqueInOrder(comentarios)),
    conversacion_completa: new EncodedCsvField(completa),
  };
}

/** The bytes from `start` in `last`'s memory to the end of `last`: a range of joined conversations. */
const rangeTo = (last: HeldConversation, start: number) =>
  Buffer.from(last.memory, start, last.offset + last.length - start);

const COMMA = Buffer.from(',');
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');
const QUOTE_OPEN = Buffer.from('"[');
const QUOTE_CLOSE = Buffer.from(']"');

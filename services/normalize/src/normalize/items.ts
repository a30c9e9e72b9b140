/**
 * Reading one Catia item: its kind (by SK substring, as the table never documented exact
 * suffixes), its user, date, profile, messages and feedback. Pure functions, no I/O.
 */
import { canonicalUtcMs, formatIsoUtc, toEpochMs, worstJsonCsvBytes } from '@catia/shared';
import type { ByteArena } from './byte-arena';
import { parseLooseLiteral } from './python-literal';

export type ItemKind = 'registration' | 'conversation' | 'feedback' | 'other';

export function classifySk(sk: string): ItemKind {
  if (REGISTER.test(sk)) return 'registration';
  if (CONVERSATION.test(sk)) return 'conversation';
  if (FEEDBACK.test(sk)) return 'feedback';
  return 'other';
}
// Case-insensitive tests instead of an upper-cased copy of every SK.
const REGISTER = /register/i;
const CONVERSATION = /conversation/i;
const FEEDBACK = /feedback/i;

/** `USER#abc` → `abc`; a PK without the prefix is still a user id. */
export function userIdOf(pk: string): string {
  return pk.startsWith('USER#') ? pk.slice(5) : pk;
}

export interface Profile {
  nombre: string;
  email: string;
  gerencia: string;
  ciudad: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

/** Text in parentheses is noise: `Bogotá (Chapinero)` → `Bogotá`. */
export function stripParentheses(s: string): string {
  return s
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A map attribute stored as a DynamoDB Map, a JSON string or a Python-repr string.
 * `undefined` when absent or empty; `'malformed'` when present but not a readable map.
 */
function readMapAttribute(raw: unknown): Record<string, unknown> | undefined | 'malformed' {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const v = typeof raw === 'string' ? parseLooseLiteral(raw) : raw;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'malformed';
  return v as Record<string, unknown>;
}

/**
 * The profile in a `UserData` attribute (Map, JSON string or Python-repr string).
 * `undefined` when absent or empty; `'malformed'` when present but unreadable.
 */
export function readProfile(raw: unknown): Profile | undefined | 'malformed' {
  const o = readMapAttribute(raw);
  if (o === undefined || o === 'malformed') return o;
  const p: Profile = {
    nombre: str(o.nombre ?? o.name),
    email: str(o.email ?? o.correo),
    gerencia: stripParentheses(str(o.gerencia)),
    ciudad: stripParentheses(str(o.ciudad)),
  };
  return p.nombre || p.email || p.gerencia || p.ciudad ? p : undefined;
}

/**
 * A conversation as the output needs it, read in one pass (no object per message):
 * - `questions`: the user's trimmed, non-empty texts;
 * - `messages`: the message count; `minMs`: the earliest readable message time.
 * Its messages are rendered only if the item is kept ({@link renderConversation}): a conversation
 * outside the date window is read (its date may come from its messages) but never rendered.
 */
export interface Conversation {
  questions: string[];
  messages: number;
  minMs: number | undefined;
}

/**
 * A rendered conversation: `csv` holds the UTF-8 bytes of `JSON.stringify([{rol, texto, fecha}, …])`
 * with every `"` doubled, i.e. this conversation's part of the `conversacion_completa` CSV field,
 * ready to be written. `fecha` is the message time as ISO-8601 UTC (the source's own text when
 * already canonical) or null.
 */
export interface RenderedConversation {
  csv: Buffer;
  /** Whether the memory holds a `,` right after `csv` (rendered into an arena). */
  commaAfter: boolean;
}

const USER_SENDERS = new Set(['user', 'usuario', 'human', 'citizen', 'ciudadano']);
const BOT_SENDERS = new Set(['bot', 'assistant', 'catia', 'asistente', 'ai']);
const EMPTY: Conversation = { questions: [], messages: 0, minMs: undefined };
const EMPTY_RENDERED: RenderedConversation = { csv: Buffer.from('[]'), commaAfter: false };

// Per-message scratch of the last conversation read (validated by readConversation, rendered by
// renderConversation), reused across calls.
const rols: ('user' | 'bot')[] = [];
const textos: string[] = [];
/** Each message's time as text, or null (written as `null`). */
const fechas: (string | null)[] = [];
/** The conversation the scratch holds, and the most bytes its rendering takes. */
let scratchOf: Conversation | undefined;
let scratchWorst = 0;

/**
 * The messages of a `Conversation` attribute, validated, or an error reason. `undefined`
 * attribute → no messages. Render it with {@link renderConversation} before the next call.
 */
export function readConversation(raw: unknown): Conversation | { error: string } {
  scratchOf = undefined;
  textos.length = 0; // no text outlives the next call through the scratch
  if (raw === undefined || raw === null) return EMPTY;
  let v: unknown = raw;
  if (typeof raw === 'string') {
    if (!raw.trim()) return EMPTY;
    v = parseLooseLiteral(raw);
    if (v === undefined) return { error: 'Conversation is not valid JSON or Python literal' };
  }
  if (!Array.isArray(v)) return { error: 'Conversation is not a list' };
  const questions: string[] = [];
  let minMs: number | undefined;
  let worst = 2;
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const m = v[i] as unknown;
    if (!m || typeof m !== 'object' || Array.isArray(m)) return { error: 'Conversation entry is not a map' };
    const e = m as Record<string, unknown>;
    const from = typeof e.from === 'string' ? senderKey(e.from) : '';
    const rol = USER_SENDERS.has(from) ? 'user' : BOT_SENDERS.has(from) ? 'bot' : undefined;
    if (!rol) return { error: 'Conversation entry has an unknown sender' };
    const text = e.text ?? e.texto ?? e.message;
    if (text !== undefined && text !== null && typeof text !== 'string') {
      return { error: 'Conversation entry text is not a string' };
    }
    const texto = (text as string | undefined) ?? '';
    if (rol === 'user') {
      const q = texto.trim();
      if (q) questions.push(q);
    }
    const ts = e.timestamp;
    // A time already in the canonical form is read once and, unless its milliseconds are zero
    // (which formatIsoUtc leaves out), copied as it is: it is what formatIsoUtc would write.
    const canonical = typeof ts === 'string' ? canonicalUtcMs(ts) : undefined;
    const ms = canonical ?? toEpochMs(ts);
    let fecha: string | null = null;
    if (ms !== undefined) {
      if (minMs === undefined || ms < minMs) minMs = ms;
      fecha = canonical !== undefined && !(ts as string).endsWith('.000Z') ? (ts as string) : formatIsoUtc(ms);
    }
    rols[i] = rol;
    textos[i] = texto;
    fechas[i] = fecha;
    worst += MESSAGE_FRAME_BYTES + (fecha === null ? 0 : fecha.length) + worstJsonCsvBytes(texto.length);
  }
  const conversation: Conversation = { questions, messages: n, minMs };
  scratchOf = conversation;
  scratchWorst = worst;
  return conversation;
}

/**
 * The messages of `c`, the conversation the last {@link readConversation} call returned, rendered
 * (into `arena` when given and when it fits a slab).
 */
export function renderConversation(c: Conversation, arena?: ByteArena): RenderedConversation {
  if (c.messages === 0) return EMPTY_RENDERED;
  if (c !== scratchOf) throw new Error('renderConversation: not the conversation last read');
  scratchOf = undefined;
  // One byte more than the rendering: the `,` written after it in the slab.
  const inArena = !!arena?.begin(scratchWorst + 1);
  const csv = inArena ? renderInto(arena as ByteArena, c.messages) : Buffer.from(renderString(c.messages), 'utf-8');
  textos.length = 0; // no text outlives the call through the scratch
  return { csv, commaAfter: inArena };
}

/** The scratch's `n` messages as `[{rol, texto, fecha}, …]` JSON with quotes doubled, into the arena. */
function renderInto(arena: ByteArena, n: number): Buffer {
  arena.ascii('[');
  for (let i = 0; i < n; i++) {
    // The framing as prepared bytes, one copy each (three string copies before: ~8 % of the pass).
    arena.bytes(rols[i] === 'user' ? (i ? NEXT_USER : FIRST_USER) : i ? NEXT_BOT : FIRST_BOT);
    arena.jsonCsv(textos[i] as string);
    const fecha = fechas[i];
    if (fecha === null || fecha === undefined) arena.bytes(NO_FECHA);
    else {
      arena.bytes(FECHA_OPEN);
      arena.ascii(fecha);
      arena.bytes(FECHA_CLOSE);
    }
  }
  arena.ascii(']');
  return arena.endFollowedBy(44); // `,`
}

const FIRST_USER = Buffer.from('{""rol"":""user"",""texto"":');
const NEXT_USER = Buffer.from(',{""rol"":""user"",""texto"":');
const FIRST_BOT = Buffer.from('{""rol"":""bot"",""texto"":');
const NEXT_BOT = Buffer.from(',{""rol"":""bot"",""texto"":');
const FECHA_OPEN = Buffer.from(',""fecha"":""');
const FECHA_CLOSE = Buffer.from('""}');
const NO_FECHA = Buffer.from(',""fecha"":null}');
/** A message's bytes besides its text and its time (`NO_FECHA` is as long as the time's framing). */
const MESSAGE_FRAME_BYTES = NEXT_USER.length + FECHA_OPEN.length + FECHA_CLOSE.length;

/** The same text as {@link renderInto}, built as a string (conversations too large for a slab). */
function renderString(n: number): string {
  let json = '[';
  for (let i = 0; i < n; i++) {
    json += `${i ? ',' : ''}{""rol"":""${rols[i]}"",""texto"":${JSON.stringify(textos[i]).replaceAll('"', '""')},""fecha"":${fechas[i] == null ? 'null' : `""${fechas[i]}""`}}`;
  }
  return `${json}]`;
}

/** `from` as compared with the sender sets (the common exact spellings skip the trim/lower-case). */
const senderKey = (from: string): string =>
  USER_SENDERS.has(from) || BOT_SENDERS.has(from) ? from : from.trim().toLowerCase();

export interface Feedback {
  type: 'like' | 'dislike' | undefined;
  comment: string;
  option: string;
}

/** A `Feedback` attribute (Map, JSON or Python-repr string); `undefined` if absent; `'malformed'` if unreadable. */
export function readFeedback(raw: unknown): Feedback | undefined | 'malformed' {
  const o = readMapAttribute(raw);
  if (o === undefined || o === 'malformed') return o;
  const t = str(o.type).toLowerCase();
  return {
    type: t === 'like' ? 'like' : t === 'dislike' ? 'dislike' : undefined,
    comment: str(o.comment),
    option: str(o.option),
  };
}

const ISO_IN_SK = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)/;

/** The item's date: `CreatedAt`, else an ISO time in the SK, else the earliest message time. */
export function itemDateMs(item: Record<string, unknown>, sk: string, earliestMessageMs?: number): number | undefined {
  const created = toEpochMs(item.CreatedAt);
  if (created !== undefined) return created;
  const m = ISO_IN_SK.exec(sk);
  if (m?.[1]) {
    const fromSk = toEpochMs(m[1]);
    if (fromSk !== undefined) return fromSk;
  }
  return earliestMessageMs;
}

/** Lower-case, accents removed, punctuation to spaces: the form city names are compared in. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A matcher for excluded locations: whole words (or whole multi-word names), case- and accent-insensitive. */
export function locationMatcher(excluded: readonly string[]): (city: string) => boolean {
  const words = excluded.map(foldText).filter(Boolean);
  const seen = new Map<string, boolean>(); // cities repeat across users: fold each spelling once
  return (city: string) => {
    let excludedCity = seen.get(city);
    if (excludedCity === undefined) {
      const padded = ` ${foldText(city)} `;
      excludedCity = words.some((w) => padded.includes(` ${w} `));
      if (seen.size < 10_000) seen.set(city, excludedCity);
    }
    return excludedCity;
  };
}

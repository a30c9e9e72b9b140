/**
 * Typing one normalize CSV row: dates, integers, string lists, the feedback label and the
 * conversations (parsed once, then used for token counts). Errors say which column, never text.
 */
import { epochDayOf, toEpochMs } from '@catia/shared';

export interface Turn {
  rol: 'user' | 'bot';
  texto: string;
  /** ISO-8601 instant; normalize writes one for every message, but a missing one is tolerated. */
  fecha?: string | null;
}

export interface TypedRow {
  usuario_id: string;
  nombre: string;
  email: string;
  gerencia: string;
  ciudad: string;
  fecha_primera_conversacion: string | null;
  fecha_ultima_conversacion: string | null;
  numero_conversaciones: number;
  numero_mensajes: number;
  lista_preguntas: string[];
  feedback_likes: number;
  feedback_dislikes: number;
  feedback_ultima_respuesta: string | null;
  comentarios_feedback: string[];
  conversacion_completa: string;
}

export class RowTypeError extends Error {}

// Nine digits always fit the INT32 columns; a larger count is not a count normalize can write.
const INT = /^\d{1,9}$/;

/** A `YYYY-MM-DD` naming a real calendar day: the rule the Parquet writer's DATE column applies. */
function date(row: Record<string, string>, col: string): string | null {
  const v = (row[col] ?? '').trim();
  if (!v) return null;
  if (epochDayOf(v) === undefined) throw new RowTypeError(`${col} is not a date`);
  return v;
}

function int(row: Record<string, string>, col: string): number {
  const v = (row[col] ?? '').trim();
  if (!INT.test(v)) throw new RowTypeError(`${col} is not an integer between 0 and 999999999`);
  return Number(v);
}

/** True when `s` is empty or only white space (what `!s.trim()` tests, without copying kilobytes of JSON). */
function isBlank(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c > 0x20 && c < 0x7f) return false; // printable ASCII is never white space
  return !s.trim();
}

function stringList(row: Record<string, string>, col: string): string[] {
  const v = row[col] ?? '';
  if (isBlank(v)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new RowTypeError(`${col} is not JSON`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new RowTypeError(`${col} is not a JSON array of strings`);
  }
  return parsed;
}

const LABELS = new Set(['like', 'dislike', 'mixed']);

/** One conversation: its messages and the instant of its earliest dated message (if any). */
export interface Conversation {
  turns: Turn[];
  firstMs: number | undefined;
}

/** Parse `conversacion_completa` once: validate every message and note each conversation's first instant. */
export function conversations(raw: string): Conversation[] {
  if (isBlank(raw)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RowTypeError('conversacion_completa is not JSON');
  }
  if (!Array.isArray(parsed)) throw new RowTypeError('conversacion_completa is not a list');
  const out: Conversation[] = [];
  for (const c of parsed) {
    if (!Array.isArray(c)) throw new RowTypeError('conversacion_completa holds a conversation that is not a list');
    let firstMs: number | undefined;
    for (const t of c as unknown[]) {
      const turn = t as Partial<Turn> | null;
      if (
        !turn ||
        typeof turn !== 'object' ||
        (turn.rol !== 'user' && turn.rol !== 'bot') ||
        typeof turn.texto !== 'string' ||
        (turn.fecha !== undefined && turn.fecha !== null && typeof turn.fecha !== 'string')
      ) {
        throw new RowTypeError('conversacion_completa holds a malformed message');
      }
      if (turn.fecha) {
        // A date that cannot be read would silently move the conversation to another price period.
        const ms = toEpochMs(turn.fecha);
        if (ms === undefined) throw new RowTypeError('conversacion_completa holds a message with an unreadable fecha');
        if (firstMs === undefined || ms < firstMs) firstMs = ms;
      }
    }
    out.push({ turns: c as Turn[], firstMs });
  }
  return out;
}

/**
 * Type one CSV row's columns, `conversacion_completa` kept as text (see {@link conversations});
 * throws {@link RowTypeError} (column and problem, never the text) when it cannot.
 */
export function typeColumns(row: Record<string, string>): TypedRow {
  const label = (row.feedback_ultima_respuesta ?? '').trim();
  if (label && !LABELS.has(label)) throw new RowTypeError('feedback_ultima_respuesta is not like, dislike or mixed');
  const usuario = row.usuario_id ?? '';
  if (!usuario) throw new RowTypeError('usuario_id is empty');
  return {
    usuario_id: usuario,
    nombre: row.nombre ?? '',
    email: row.email ?? '',
    gerencia: row.gerencia ?? '',
    ciudad: row.ciudad ?? '',
    fecha_primera_conversacion: date(row, 'fecha_primera_conversacion'),
    fecha_ultima_conversacion: date(row, 'fecha_ultima_conversacion'),
    numero_conversaciones: int(row, 'numero_conversaciones'),
    numero_mensajes: int(row, 'numero_mensajes'),
    lista_preguntas: stringList(row, 'lista_preguntas'),
    feedback_likes: int(row, 'feedback_likes'),
    feedback_dislikes: int(row, 'feedback_dislikes'),
    feedback_ultima_respuesta: label || null,
    comentarios_feedback: stringList(row, 'comentarios_feedback'),
    conversacion_completa: row.conversacion_completa ?? '',
  };
}

/** Type one CSV row and parse its conversations; throws {@link RowTypeError} when it cannot. */
export function typeRow(row: Record<string, string>): { typed: TypedRow; conversations: Conversation[] } {
  const typed = typeColumns(row);
  return { typed, conversations: conversations(typed.conversacion_completa) };
}

/**
 * Deterministic sample data for the three input tables: the CatIA conversations table, the Bedrock Chat
 * v1/v2 conversation table ("old") and the Bedrock Chat v3 conversation table ("new"). Shapes follow
 * `/work/shared/handbook/catia-table.md` and `bedrock-chat-table.md`, including their awkward corners.
 *
 * Design:
 * - Everything is derived from `(seed, purpose, user index, conversation index)` through a hashed mulberry32 PRNG.
 *   There is no `Math.random` and no clock: the same options give the same items, byte for byte.
 * - The generators are sync generators (usable with `for` and `for await`): one user at a time is built, so a
 *   table of any size streams in constant memory.
 * - They yield plain unmarshalled items (numbers as JS numbers, maps as objects): pass each through `marshall`
 *   for BatchWriteItem, or through {@link toExportLine} for a DynamoDB "Export to S3" JSON line.
 * - The Catia generator yields items directly. The Bedrock generators yield {@link BedrockSampleRecord}
 *   `{ item, largeMessage? }`: when an item has `IsLargeMessage=true` its DynamoDB `MessageMap` holds only the
 *   system node, and `largeMessage` carries the full MessageMap JSON that belongs in the large-message bucket at
 *   `LargeMessagePath`. A side record keeps the item and its S3 object together without a second pass.
 * - The old and new Bedrock generators share the builder of "user u's old conversation c": the new generator
 *   re-emits a fraction of those verbatim, as the v2→v3 migration copied items with the same PK/SK.
 */
import { marshall } from '@aws-sdk/util-dynamodb';

/** A plain (unmarshalled) DynamoDB item. */
export type SampleItem = Record<string, unknown>;

/** One Bedrock Chat item, plus the S3 object it points to when `IsLargeMessage` is true. */
export interface BedrockSampleRecord {
  item: SampleItem;
  /** Full MessageMap JSON for the large-message bucket; `key` equals the item's `LargeMessagePath`. */
  largeMessage?: { key: string; body: string };
}

export interface CatiaSampleOptions {
  /** Number of users; items ≈ 3 × users. */
  users: number;
  seed: number | string;
  /** Earliest conversation time (default 2025-07-01T00:00:00Z, a month before the original filter start). */
  windowStart?: string | Date;
  /** Latest conversation time, exclusive (default 2026-01-01T00:00:00Z). */
  windowEnd?: string | Date;
}

export interface BedrockSampleOptions {
  /** Number of users; items ≈ 3–4 × users per table. */
  users: number;
  seed: number | string;
  /** New table only: expected share of its conversations that are verbatim copies of old ones (default 0.05). */
  copyFraction?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// PRNG

const TWO_POW_32 = 4294967296;

/** FNV-1a with a murmur3 finaliser, so that near-identical keys give unrelated PRNG states. */
function hashKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: tiny, fast, and good enough for sample data. */
class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  range(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)] as T;
  }
}

function rngFor(seed: number | string, ...parts: (string | number)[]): Rng {
  return new Rng(hashKey(`${seed}|${parts.join('|')}`));
}

class Weighted<T> {
  private readonly values: T[] = [];
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    let sum = 0;
    for (const [value, weight] of entries) {
      sum += weight;
      this.values.push(value);
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  pick(rng: Rng): T {
    const r = rng.next() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) {
      if (r < (this.cumulative[i] as number)) return this.values[i] as T;
    }
    return this.values[this.values.length - 1] as T;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ids and dates

const HEX = '0123456789abcdef';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function uuid(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    let v = rng.int(16);
    if (i === 12) v = 4;
    else if (i === 16) v = 8 + (v & 3);
    s += HEX.charAt(v);
    if (i === 7 || i === 11 || i === 15 || i === 19) s += '-';
  }
  return s;
}

function hexId(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += HEX.charAt(rng.int(16));
  return s;
}

/** A ULID (26 Crockford base-32 characters; the first 10 encode the time in ms, so ids sort by time). */
function ulid(ms: number, rng: Rng): string {
  let t = Math.floor(ms);
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD.charAt(rng.int(32));
  return time + rand;
}

function base62(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += BASE62.charAt(rng.int(62));
  return s;
}

/** `2025-08-19T13:26:44Z` */
function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** `2025-08-19T13:26:44.123Z` */
function isoMillis(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

/** `2025-08-19T08:26:44-05:00` (Bogotá offset). */
function isoBogota(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000 - 5 * 3600_000).toISOString().slice(0, 19)}-05:00`;
}

function toMs(value: string | Date, label: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${label} is not a valid date: ${String(value)}`);
  return ms;
}

function checkUsers(users: number): void {
  if (!Number.isInteger(users) || users < 0) throw new RangeError(`users must be a non-negative integer: ${users}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Python serialisations

/** A number that Python holds as a float: `json.dumps` writes `1718000000000.0`. */
class PyFloat {
  constructor(readonly value: number) {}
}

function pyFloatRepr(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  return String(x);
}

const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_ALL = /[\u007f-\uffff]/g;
const escapeUnit = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A JSON string literal as Python's `json.dumps(..., ensure_ascii=True)` writes it (`\u00e1`, surrogate pairs). */
function pyJsonString(s: string): string {
  const json = JSON.stringify(s);
  return NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeUnit) : json;
}

function writePyJson(value: unknown, out: string[]): void {
  if (value === null || value === undefined) out.push('null');
  else if (typeof value === 'string') out.push(pyJsonString(value));
  else if (typeof value === 'number') out.push(Number.isFinite(value) ? String(value) : 'NaN');
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (value instanceof PyFloat) out.push(pyFloatRepr(value.value));
  else if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(', ');
      writePyJson(value[i], out);
    }
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (!first) out.push(', ');
      first = false;
      out.push(pyJsonString(k), ': ');
      writePyJson(v, out);
    }
    out.push('}');
  }
}

/**
 * `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, `ensure_ascii=True` (every character
 * outside ASCII 0x20–0x7e as a lowercase `\uXXXX` escape, astral characters as surrogate pairs).
 */
export function pythonJsonDumps(value: unknown): string {
  const out: string[] = [];
  writePyJson(value, out);
  return out.join('');
}

// Characters Python's str.isprintable() rejects: categories C*, Zl, Zp and Zs other than the ASCII space.
const PY_REPR_SPECIAL = /[\\'"\p{C}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;
const PY_NON_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  if (!PY_REPR_SPECIAL.test(s)) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (PY_NON_PRINTABLE.test(ch)) {
      if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of dicts, lists, strings, numbers, booleans and None (what `str(dict)` wrote into the table). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return pyReprString(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) parts.push(`${pyReprString(k)}: ${pythonRepr(v)}`);
  }
  return `{${parts.join(', ')}}`;
}

/** One line of a DynamoDB "Export to S3" (DYNAMODB_JSON): `{"Item":{...}}`, without the trailing newline. */
export function toExportLine(item: SampleItem): string {
  return JSON.stringify({ Item: marshall(item, { removeUndefinedValues: true }) });
}

// ---------------------------------------------------------------------------------------------------------------
// Spanish text pools (CatIA: Catastro Bogotá)

interface Topic {
  title: string;
  questions: readonly string[];
  answers: readonly string[];
}

const TOPICS: readonly Topic[] = [
  {
    title: 'Certificado catastral',
    questions: [
      '¿Cómo obtengo el certificado catastral?',
      'necesito descargar el certificado catastral de mi casa',
      'cuánto cuesta el certificado catastral',
      '¿El certificado catastral sirve para vender el apartamento?',
      'certificado catastral a nombre de mi mamá que falleció',
      'no me deja descargar el certificado, sale error',
    ],
    answers: [
      'Puedes descargar el certificado catastral de forma gratuita en Catastro en Línea:\n\n1. Ingresa a catastroenlinea.catastrobogota.gov.co\n2. Selecciona "Certificado catastral".\n3. Digita el CHIP o la dirección del predio.\n4. Descarga el PDF.\n\n¿Necesitas ayuda con algún paso?',
      'El certificado catastral es gratuito y lo puede solicitar el propietario o cualquier persona con el CHIP del predio. Si el propietario falleció, los herederos pueden pedirlo presentando el registro de defunción.',
      'Si la descarga falla, intenta con otro navegador, desactiva el bloqueador de ventanas emergentes y verifica que el CHIP tenga 11 caracteres (por ejemplo AAA0123ABCD).',
    ],
  },
  {
    title: 'Consulta de avalúo',
    questions: [
      '¿Cuál es el avalúo catastral de mi predio?',
      'por qué subió tanto el avalúo este año',
      'cómo solicito la revisión del avalúo',
      'diferencia entre avalúo comercial y avalúo catastral',
      'el avalúo está muy alto, quiero reclamar',
    ],
    answers: [
      'El avalúo catastral se actualiza cada año con base en el estudio del mercado inmobiliario de Bogotá. Puedes consultarlo en el certificado catastral o en la factura del impuesto predial.',
      'Para solicitar la revisión del avalúo debes radicar la solicitud en la Ventanilla Única, adjuntando:\n- Copia del documento de identidad\n- Pruebas que sustenten tu solicitud (por ejemplo un avalúo comercial)\n\nEl plazo de respuesta es de hasta 90 días hábiles.',
      'El avalúo comercial lo hace un perito para una compraventa; el avalúo catastral lo fija la Unidad Administrativa Especial de Catastro Distrital y es la base del impuesto predial.',
    ],
  },
  {
    title: 'Dudas sobre el CHIP',
    questions: [
      '¿Qué es el CHIP?',
      'dónde encuentro el CHIP de mi apartamento',
      'consultar CHIP por dirección',
      'mi CHIP es AAA0123ABCD, ¿está bien?',
    ],
    answers: [
      'El CHIP (Código Homologado de Identificación Predial) es el código único de 11 caracteres que identifica cada predio en Bogotá. Aparece en la factura del predial y en el certificado catastral.',
      'Puedes consultar el CHIP por dirección en Mapas Bogotá o en Catastro en Línea, opción "Consulta de CHIP".',
    ],
  },
  {
    title: 'Nomenclatura',
    questions: [
      'certificado de nomenclatura',
      'cambiaron la dirección de mi casa, ¿qué hago?',
      'cómo consulto la nomenclatura oficial',
      'necesito la placa domiciliaria',
    ],
    answers: [
      'El certificado de nomenclatura indica la dirección oficial del predio. Se descarga gratis en Catastro en Línea con el CHIP o la dirección anterior.',
      'Si la dirección de tu predio cambió, el certificado de nomenclatura muestra la dirección actual y las anteriores. Con él puedes actualizar tus datos ante notarías y empresas de servicios públicos.',
    ],
  },
  {
    title: 'Citas virtuales',
    questions: [
      'agendar cita virtual',
      'cancelar cita virtual',
      'quiero reprogramar mi cita',
      'no me llegó el correo de confirmación de la cita',
    ],
    answers: [
      'Para agendar una cita virtual con Catastro Bogotá:\n\n1. Ingresa a la página de citas.\n2. Elige el trámite.\n3. Selecciona fecha y hora.\n4. Recibirás un correo con el enlace de la reunión.',
      'Para cancelar una cita virtual con Catastro Bogotá, puedes seguir estos pasos:\n\n1. Abre el correo de confirmación.\n2. Haz clic en "Cancelar cita".\n3. Confirma la cancelación.\n\nSi no encuentras el correo, revisa la carpeta de spam.',
    ],
  },
  {
    title: 'Impuesto predial',
    questions: [
      'cómo pago el impuesto predial',
      'fecha límite del predial 2025',
      '¿hay descuento por pronto pago?',
      '¿el predial lo cobra Catastro?',
    ],
    answers: [
      'El impuesto predial lo administra la Secretaría Distrital de Hacienda, no Catastro. Catastro define el avalúo, que es la base del impuesto. Puedes pagar en línea en la Oficina Virtual de Hacienda.',
      'La Secretaría de Hacienda ofrece un descuento del 10 % por pronto pago si cancelas antes de la primera fecha de vencimiento.',
    ],
  },
  {
    title: 'Actualización de datos',
    questions: [
      'actualizar el propietario del predio',
      'cambio de nombre en el catastro',
      'corregir el área construida de mi casa',
      'actualizar el destino económico',
    ],
    answers: [
      'La actualización del propietario se hace automáticamente cuando la escritura queda registrada en la Oficina de Registro. Si después de 60 días no se refleja, puedes radicar una solicitud de mutación de primera clase.',
      'Para corregir el área construida, radica una solicitud de rectificación con planos aprobados o licencia de construcción. Un reconocedor predial podrá visitar el inmueble.',
    ],
  },
  {
    title: 'Planos y cartografía',
    questions: ['necesito el plano de mi lote', 'plano de manzana catastral', 'cómo descargo planos en Mapas Bogotá'],
    answers: [
      'El plano de manzana catastral se puede solicitar en Catastro en Línea. Para consultas rápidas puedes usar Mapas Bogotá (mapas.bogota.gov.co), capa "Catastro".',
      'Catastro no expide planos topográficos; para ello se requiere un topógrafo particular. Sí puedes obtener el plano predial catastral del lote.',
    ],
  },
];

const GREETINGS = ['hola', 'buenos días', 'Hola, buenas tardes', 'gracias', 'ok', '?', 'muchas gracias!!'];
const GREETING_ANSWERS = [
  '¡Hola! Soy CatIA, la asistente virtual de Catastro Bogotá. ¿En qué te puedo ayudar hoy?',
  'Con gusto. ¿Hay algo más en lo que te pueda ayudar?',
];
const FALLBACK_ANSWER =
  'Lo siento, no tengo información sobre eso. Te recomiendo comunicarte con la Línea 195 o escribir a contactenos@catastrobogota.gov.co.';

function makeLongText(target: number): string {
  const parts = ['Resumen de trámites de Catastro Bogotá:\n'];
  let length = parts[0]?.length ?? 0;
  let i = 0;
  while (length < target) {
    const topic = TOPICS[i % TOPICS.length] as Topic;
    const text = `\n${Math.floor(i / TOPICS.length) + 1}.${(i % TOPICS.length) + 1} ${topic.title}: ${topic.answers[i % topic.answers.length]}`;
    parts.push(text);
    length += text.length;
    i++;
  }
  return parts.join('');
}

const LONG_TEXTS = [makeLongText(3000), makeLongText(6500), makeLongText(12000)];

/** Texts that break naive CSV writers, spreadsheets, trimming and unicode handling. */
const AWKWARD: readonly ((base: string) => string)[] = [
  (b) => `=${b}`,
  (b) => `+57 300 555 0101 ${b}`,
  (b) => `-${b}`,
  (b) => `@CatastroBogota ${b}`,
  (b) => `${b}\ny también necesito el paz y salvo`,
  (b) => `${b}\r\nsegunda línea`,
  (b) => `el sistema dice "error 500" al descargar el 'certificado', ${b}`,
  (b) => `CHIP | nomenclatura | avalúo, ${b}`,
  (b) => `matrícula\t050C-1234567\t${b}`,
  (b) => `${b} 🙏😊👍🏽`,
  (b) => `\u200f${b} مرحبا`,
  (b) => `${b} \u202eodatsac\u202c`,
  (b) => `   ${b}   `,
  (b) => `${b}\u00a0\u200b`,
  () => '=HYPERLINK("http://example.com","clic")',
  () => "'; DROP TABLE usuarios; --",
  (b) => `${b} ruta C:\\Users\\ana\\predial.pdf`,
  (b) => `${b}, "entre comillas", coma,, y punto y coma;`,
];

const FIRST_NAMES = [
  'Ana',
  'María',
  'José',
  'Luis',
  'Carlos',
  'Juan',
  'Andrés',
  'Camila',
  'Valentina',
  'Sofía',
  'Daniela',
  'Laura',
  'Diego',
  'Santiago',
  'Sebastián',
  'Natalia',
  'Paola',
  'Jorge',
  'Óscar',
  'Ángela',
  'Martha',
  'Gloria',
  'Héctor',
  'Iván',
  'Lucía',
  'Ximena',
  'Julián',
  'Nicolás',
  'Mónica',
  'Édgar',
];
const LAST_NAMES = [
  'Pérez',
  'Gómez',
  'Rodríguez',
  'Martínez',
  'García',
  'López',
  'Hernández',
  'González',
  'Díaz',
  'Ramírez',
  'Torres',
  'Rojas',
  'Vargas',
  'Moreno',
  'Castro',
  'Muñoz',
  'Jiménez',
  'Suárez',
  'Peña',
  'Ospina',
  'Cárdenas',
  'Quintero',
  'Álvarez',
  'Núñez',
  "O'Brien",
];

const CITIES = new Weighted<string | undefined>([
  ['Bogotá', 30],
  ['Bogotá D.C.', 10],
  ['Bogota', 5],
  ['BOGOTÁ', 3],
  ['bogota d.c', 2],
  ['Bogotá (Chapinero)', 6],
  ['Bogotá (Suba)', 4],
  ['Bogotá (Usaquén)', 3],
  ['Bogotá (Engativá)', 3],
  ['Localidad de Kennedy', 5],
  ['Localidad de Suba', 2],
  ['Valledupar', 3],
  ['Soacha', 3],
  ['Chía', 2],
  ['Zipaquirá', 1],
  ['Villavicencio', 1],
  ['Calima', 0.5],
  ['', 3],
  [undefined, 3],
  // Locations the business filter excludes (about 5%).
  ['Medellín', 1],
  ['Cali', 0.8],
  ['Barranquilla', 0.6],
  ['Cartagena', 0.5],
  ['Ciudad de México', 0.5],
  ['México', 0.3],
  ['Valle del Cauca', 0.4],
  ['Antioquia', 0.4],
  ['Potosí', 0.2],
  ['Medellin (Antioquia)', 0.2],
  ['Santiago de Cali', 0.2],
]);

type UserDataMode = 'map' | 'json' | 'pyjson' | 'repr' | 'missing' | 'empty';
const USER_DATA_MODES = new Weighted<UserDataMode>([
  ['map', 62],
  ['json', 12],
  ['pyjson', 8],
  ['repr', 10],
  ['missing', 4],
  ['empty', 4],
]);

const CATIA_CONVERSATIONS = new Weighted<number>([
  [1, 45],
  [2, 30],
  [3, 15],
  [4, 10],
]);
const CATIA_TURNS = new Weighted<number>([
  [1, 35],
  [2, 30],
  [3, 20],
  [4, 10],
  [5, 5],
]);

type ConversationMode = 'list' | 'json' | 'pyjson' | 'repr' | 'missing' | 'malformed' | 'empty';
const CONVERSATION_MODES = new Weighted<ConversationMode>([
  ['list', 87.5],
  ['json', 3.5],
  ['pyjson', 2.5],
  ['repr', 4.5],
  ['missing', 1],
  ['malformed', 0.2],
  ['empty', 0.3],
]);

const FEEDBACK_TYPES = new Weighted<string>([
  ['like', 50],
  ['dislike', 30],
  ['Like', 6],
  ['DISLIKE', 6],
  ['Dislike', 4],
  ['LIKE', 4],
]);
const FEEDBACK_OPTIONS = [
  'Respuesta incompleta',
  'Información incorrecta',
  'No entendió mi pregunta',
  'Respuesta clara',
  'Muy útil',
  'Otro',
  '',
];
const FEEDBACK_COMMENTS = [
  'No encontré el certificado',
  'Muy útil, gracias',
  'La respuesta no aplica para mi caso',
  'Excelente servicio',
  'Debería dar el enlace directo',
  'No pude agendar la cita',
  'Claro y rápido',
];

// ---------------------------------------------------------------------------------------------------------------
// Catia generator

const DEFAULT_CATIA_WINDOW_START = '2025-07-01T00:00:00Z';
const DEFAULT_CATIA_WINDOW_END = '2026-01-01T00:00:00Z';

interface CatiaProfile {
  nombre?: string;
  cityKey: 'ciudad' | 'gerencia';
  city?: string;
  email?: { key: 'email' | 'correo'; value: string };
}

function asciiFold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f']/g, '')
    .toLowerCase();
}

function makeCatiaProfile(rng: Rng): CatiaProfile {
  const profile: CatiaProfile = { cityKey: rng.chance(0.55) ? 'ciudad' : 'gerencia' };
  if (rng.chance(0.88)) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    let nombre = rng.chance(0.4) ? `${first} ${last} ${rng.pick(LAST_NAMES)}` : `${first} ${last}`;
    const style = rng.next();
    if (style < 0.04) nombre = nombre.toLowerCase();
    else if (style < 0.07) nombre = nombre.toUpperCase();
    else if (style < 0.09) nombre = ` ${nombre}  `;
    profile.nombre = nombre;
    if (rng.chance(0.35)) {
      profile.email = {
        key: rng.chance(0.7) ? 'email' : 'correo',
        value: `${asciiFold(first)}.${asciiFold(last)}${rng.range(1, 99)}@example.co`,
      };
    }
  } else {
    const r = rng.next();
    if (r < 0.45) profile.nombre = '';
    else if (r < 0.55) profile.nombre = '   ';
  }
  const city = CITIES.pick(rng);
  if (city !== undefined) profile.city = city;
  return profile;
}

function catiaUserData(profile: CatiaProfile): Record<string, string> {
  const data: Record<string, string> = {};
  if (profile.nombre !== undefined) data['nombre'] = profile.nombre;
  if (profile.city !== undefined) data[profile.cityKey] = profile.city;
  if (profile.email) data[profile.email.key] = profile.email.value;
  return data;
}

function encodeUserData(rng: Rng, profile: CatiaProfile, mode: UserDataMode): unknown {
  const data = catiaUserData(profile);
  switch (mode) {
    case 'map':
      return data;
    case 'json':
      return JSON.stringify(data);
    case 'pyjson':
      return pythonJsonDumps(data);
    case 'repr':
      return pythonRepr(data);
    case 'missing':
      return undefined;
    case 'empty':
      return rng.pick<unknown>([{}, '', '{}']);
  }
}

function catiaUserText(rng: Rng, topic: Topic, first: boolean): string {
  const base = first && rng.chance(0.1) ? rng.pick(GREETINGS) : rng.pick(topic.questions);
  const r = rng.next();
  if (r < 0.035) return rng.pick(AWKWARD)(base);
  if (r < 0.038) return rng.pick(LONG_TEXTS);
  if (r < 0.25) return base.toLowerCase();
  return base;
}

function catiaBotText(rng: Rng, topic: Topic, userText: string): string {
  if (userText.length < 20 && GREETINGS.includes(userText)) return rng.pick(GREETING_ANSWERS);
  const r = rng.next();
  if (r < 0.006) return rng.pick(LONG_TEXTS);
  if (r < 0.016) return rng.pick(AWKWARD)(rng.pick(topic.answers));
  if (r < 0.06) return FALLBACK_ANSWER;
  return rng.pick(topic.answers);
}

function catiaCreatedAt(rng: Rng, ms: number): string | undefined {
  const r = rng.next();
  if (r < 0.04) return undefined;
  if (r < 0.046) return rng.pick(['ayer', '19/08/2025 25:61', 'N/A', '2025-13-45T99:99:99Z', 'undefined']);
  if (r < 0.2) return isoMillis(ms);
  if (r < 0.27) return isoBogota(ms);
  return isoSeconds(ms);
}

function makeFeedback(rng: Rng): Record<string, string> {
  const r = rng.next();
  const comment =
    r < 0.3 ? '' : r < 0.34 ? rng.pick(AWKWARD)(rng.pick(FEEDBACK_COMMENTS)) : rng.pick(FEEDBACK_COMMENTS);
  return { type: FEEDBACK_TYPES.pick(rng), comment, option: rng.pick(FEEDBACK_OPTIONS) };
}

function encodeFeedback(rng: Rng, feedback: Record<string, string>): unknown {
  return rng.chance(0.8) ? feedback : JSON.stringify(feedback);
}

function encodeConversation(rng: Rng, messages: Record<string, string>[], mode: ConversationMode): unknown {
  switch (mode) {
    case 'list':
      return messages;
    case 'json':
      return JSON.stringify(messages);
    case 'pyjson':
      return pythonJsonDumps(messages);
    case 'repr':
      return pythonRepr(messages);
    case 'missing':
      return undefined;
    case 'empty':
      return rng.chance(0.5) ? [] : '[]';
    case 'malformed': {
      const json = JSON.stringify(messages);
      return json.slice(0, Math.max(1, Math.floor(json.length * 0.6)));
    }
  }
}

function uniqueSortKey(used: Set<string>, sk: string): string {
  let candidate = sk;
  for (let n = 2; used.has(candidate); n++) candidate = `${sk}#${n}`;
  used.add(candidate);
  return candidate;
}

function catiaUserItems(seed: number | string, u: number, start: number, end: number): SampleItem[] {
  const rng = rngFor(seed, 'catia', u);
  const userId = rng.chance(0.6) ? uuid(rng) : hexId(rng, 12);
  const pk = rng.chance(0.02) ? userId : `USER#${userId}`;
  const profile = makeCatiaProfile(rng);
  const userDataMode = USER_DATA_MODES.pick(rng);
  const copyUserData = rng.chance(0.5);
  const used = new Set<string>();
  const items: SampleItem[] = [];

  const conversations = CATIA_CONVERSATIONS.pick(rng);
  const times: number[] = [];
  for (let i = 0; i < conversations; i++) times.push(start + Math.floor(rng.next() * (end - start)));
  times.sort((a, b) => a - b);

  // Registration, a few minutes before the first conversation.
  const registeredAt = (times[0] as number) - rng.range(0, 600) * 1000;
  const skStyle = rng.next();
  const registerSk =
    skStyle < 0.4
      ? 'PROFILE#REGISTER'
      : skStyle < 0.75
        ? `REGISTER#${isoSeconds(registeredAt)}`
        : skStyle < 0.9
          ? 'REGISTER'
          : skStyle < 0.95
            ? 'USER#REGISTER'
            : `register#${isoSeconds(registeredAt)}`;
  const registration: SampleItem = { PK: pk, SK: uniqueSortKey(used, registerSk) };
  const registrationCreatedAt = catiaCreatedAt(rng, registeredAt);
  if (registrationCreatedAt !== undefined) registration['CreatedAt'] = registrationCreatedAt;
  const registrationData = encodeUserData(rng, profile, userDataMode);
  if (registrationData !== undefined) registration['UserData'] = registrationData;
  items.push(registration);

  for (const convStart of times) {
    const byDate = rng.chance(0.6);
    const sk = uniqueSortKey(
      used,
      byDate
        ? `${rng.chance(0.03) ? 'Conversation' : 'CONVERSATION'}#${isoSeconds(convStart)}`
        : `CONVERSATION#${uuid(rng)}`,
    );
    const userFrom = rng.chance(0.8) ? 'user' : 'usuario';
    const botRoll = rng.next();
    const botFrom = botRoll < 0.6 ? 'bot' : botRoll < 0.85 ? 'assistant' : 'catia';
    const withMillis = rng.chance(0.1);
    let topic = rng.pick(TOPICS);
    let t = convStart;
    const messages: Record<string, string>[] = [];
    const turns = CATIA_TURNS.pick(rng);
    let lastQuestion = '';
    for (let k = 0; k < turns; k++) {
      if (k > 0 && rng.chance(0.25)) topic = rng.pick(TOPICS);
      const question = k > 0 && rng.chance(0.04) ? lastQuestion : catiaUserText(rng, topic, k === 0);
      lastQuestion = question;
      messages.push({ from: userFrom, text: question, timestamp: withMillis ? isoMillis(t) : isoSeconds(t) });
      t += rng.range(1, 40) * 1000;
      messages.push({
        from: botFrom,
        text: catiaBotText(rng, topic, question),
        timestamp: withMillis ? isoMillis(t) : isoSeconds(t),
      });
      t += rng.range(15, 400) * 1000;
    }
    const conversation: SampleItem = { PK: pk, SK: sk };
    const createdAt = catiaCreatedAt(rng, convStart);
    if (createdAt !== undefined) conversation['CreatedAt'] = createdAt;
    if (copyUserData) {
      const data = encodeUserData(rng, profile, userDataMode);
      if (data !== undefined) conversation['UserData'] = data;
    }
    const encoded = encodeConversation(rng, messages, CONVERSATION_MODES.pick(rng));
    if (encoded !== undefined) conversation['Conversation'] = encoded;
    if (rng.chance(0.04)) conversation['Feedback'] = encodeFeedback(rng, makeFeedback(rng));
    items.push(conversation);
  }

  if (rng.chance(0.15)) {
    const count = rng.chance(0.7) ? 1 : rng.chance(0.67) ? 2 : 3;
    for (let i = 0; i < count; i++) {
      const at = rng.pick(times) + rng.range(60, 900) * 1000 + i * 1000;
      const feedback: SampleItem = { PK: pk, SK: uniqueSortKey(used, `FEEDBACK#${isoSeconds(at)}`) };
      feedback['Feedback'] = encodeFeedback(rng, makeFeedback(rng));
      const createdAt = catiaCreatedAt(rng, at);
      if (createdAt !== undefined) feedback['CreatedAt'] = createdAt;
      items.push(feedback);
    }
  }

  if (rng.chance(0.03)) {
    const at = rng.pick(times);
    const kind = rng.int(3);
    const sk = kind === 0 ? `SESSION#${isoSeconds(at)}` : kind === 1 ? 'SETTINGS' : `METADATA#${hexId(rng, 8)}`;
    items.push({
      PK: pk,
      SK: uniqueSortKey(used, sk),
      CreatedAt: isoSeconds(at),
      Channel: 'web',
      TTL: Math.floor(at / 1000) + 30 * 86400,
    });
  }
  return items;
}

/**
 * Items of the CatIA conversations table: per user one registration item, 1–4 conversation items, feedback items
 * for about 15% of users and an occasional other item (`SESSION#…`, `SETTINGS`): about 3 items per user.
 * Yields plain items one user at a time.
 */
export function* generateCatiaItems(options: CatiaSampleOptions): Generator<SampleItem> {
  checkUsers(options.users);
  const start = toMs(options.windowStart ?? DEFAULT_CATIA_WINDOW_START, 'windowStart');
  const end = toMs(options.windowEnd ?? DEFAULT_CATIA_WINDOW_END, 'windowEnd');
  if (end <= start) throw new RangeError('windowEnd must be after windowStart');
  for (let u = 0; u < options.users; u++) yield* catiaUserItems(options.seed, u, start, end);
}

// ---------------------------------------------------------------------------------------------------------------
// Bedrock Chat: versions, models, prices

/**
 * Writer formats, by the app version that last wrote an item (handbook section 0). Index order matters:
 * the serialisers compare indexes (`w >= W.v1_2_7`).
 */
const W = {
  v0_3: 0, // content is a single object
  v0_4_2: 1, // content list with media_type
  v0_4_5: 2, // TotalPrice, IsLargeMessage
  v0_4_8: 3, // feedback, used_chunks
  v1_0: 4, // thinking_log string; used_chunks[].content_type; ShouldContinue
  v1_2_7: 5, // file_name, attachments
  v1_3_1: 6, // thinking_log list with json_
  v2_2: 7, // typed content, RELATED_DOCUMENT items
  v2_6: 8, // reasoning
  v3: 9, // new table
} as const;

interface Era {
  start: number;
  end: number;
  weight: number;
  models: readonly string[];
}

const d = (iso: string): number => Date.parse(iso);

/** Date windows and models of the old-table eras (index = writer format). */
const OLD_ERAS: readonly Era[] = [
  { start: d('2023-11-01'), end: d('2024-03-01'), weight: 5, models: ['claude-instant-v1', 'claude-v2'] },
  {
    start: d('2024-03-01'),
    end: d('2024-03-25'),
    weight: 6,
    models: ['claude-instant-v1', 'claude-v2', 'claude-v3-sonnet'],
  },
  {
    start: d('2024-03-25'),
    end: d('2024-04-26'),
    weight: 8,
    models: ['claude-v2', 'claude-v3-sonnet', 'claude-v3-haiku', 'claude-instant-v1'],
  },
  {
    start: d('2024-04-26'),
    end: d('2024-05-31'),
    weight: 10,
    models: ['claude-v3-sonnet', 'claude-v3-haiku', 'claude-v3-opus', 'mistral-7b-instruct', 'mixtral-8x7b-instruct'],
  },
  {
    start: d('2024-05-31'),
    end: d('2024-07-15'),
    weight: 12,
    models: ['claude-v3-sonnet', 'claude-v3-haiku', 'claude-v3.5-sonnet', 'mistral-large', 'claude-v3-opus'],
  },
  {
    start: d('2024-07-15'),
    end: d('2024-09-12'),
    weight: 12,
    models: ['claude-v3.5-sonnet', 'claude-v3-haiku', 'claude-v3-sonnet', 'mistral-large'],
  },
  {
    start: d('2024-09-12'),
    end: d('2024-11-28'),
    weight: 17,
    models: ['claude-v3.5-sonnet', 'claude-v3-haiku', 'claude-v3.5-sonnet-v2'],
  },
  {
    start: d('2024-11-28'),
    end: d('2025-03-03'),
    weight: 17,
    models: [
      'claude-v3.5-sonnet-v2',
      'claude-v3.5-haiku',
      'amazon-nova-pro',
      'amazon-nova-lite',
      'amazon-nova-micro',
      'claude-v3-haiku',
    ],
  },
  {
    start: d('2025-03-03'),
    end: d('2025-06-30'),
    weight: 13,
    models: [
      'claude-v3.7-sonnet',
      'claude-v3.7-sonnet',
      'claude-v3.5-sonnet-v2',
      'deepseek-r1',
      'llama3-3-70b-instruct',
      'mistral-large-2',
      'amazon-nova-pro',
    ],
  },
];

const OLD_ERA_PICKER = new Weighted<number>(OLD_ERAS.map((era, i) => [i, era.weight] as const));
const NEW_WINDOW = { start: d('2026-01-01'), end: d('2026-07-01') };
const NEW_MODELS = new Weighted<string>([
  ['claude-v4.5-sonnet', 25],
  ['claude-v4-sonnet', 15],
  ['claude-v3.7-sonnet', 12],
  ['claude-v4.5-haiku', 15],
  ['amazon-nova-pro', 8],
  ['amazon-nova-lite', 5],
  ['claude-v4.1-opus', 3],
  ['claude-v4.6-sonnet', 5],
  ['claude-v4.5-opus', 3],
  ['gpt-oss-120b', 3],
  ['deepseek-r1', 3],
  ['llama3-3-70b-instruct', 2],
]);
const NEW_MODEL_NAMES = ['claude-v4.5-sonnet', 'claude-v4-sonnet', 'claude-v4.5-haiku', 'amazon-nova-pro'];
const UNKNOWN_MODELS = ['claude-vX-experimental', 'claude-v3-sonnet-preview', 'titan-text-express-v1'];
const REASONING_MODELS = new Set([
  'claude-v3.7-sonnet',
  'claude-v4-sonnet',
  'claude-v4.5-sonnet',
  'claude-v4.6-sonnet',
  'claude-v4.1-opus',
  'claude-v4.5-opus',
  'claude-v4.5-haiku',
  'deepseek-r1',
]);

/** USD per 1K tokens [input, output]; a rough table, only to make TotalPrice plausible. */
const PRICES: Record<string, readonly [number, number]> = {
  'claude-instant-v1': [0.0008, 0.0024],
  'claude-v2': [0.0008, 0.0024],
  'claude-v3-haiku': [0.00025, 0.00125],
  'claude-v3-opus': [0.015, 0.075],
  'claude-v3.5-haiku': [0.001, 0.005],
  'claude-v4.5-haiku': [0.001, 0.005],
  'claude-v4.1-opus': [0.015, 0.075],
  'claude-v4.5-opus': [0.005, 0.025],
  'amazon-nova-pro': [0.0008, 0.0032],
  'amazon-nova-lite': [0.00006, 0.00024],
  'amazon-nova-micro': [0.000035, 0.00014],
  'mistral-7b-instruct': [0.00015, 0.0002],
  'mixtral-8x7b-instruct': [0.00045, 0.0007],
  'mistral-large': [0.008, 0.024],
  'mistral-large-2': [0.002, 0.006],
  'deepseek-r1': [0.00135, 0.0054],
  'llama3-3-70b-instruct': [0.00072, 0.00072],
  'gpt-oss-120b': [0.00015, 0.0006],
};
const DEFAULT_PRICE = [0.003, 0.015] as const;

const BEDROCK_CONVERSATIONS = new Weighted<number>([
  [1, 25],
  [2, 30],
  [3, 20],
  [4, 15],
  [5, 10],
]);
const BEDROCK_TURNS = new Weighted<number>([
  [1, 40],
  [2, 30],
  [3, 18],
  [4, 12],
]);
const BOT_COUNTS = new Weighted<number>([
  [0, 80],
  [1, 15],
  [2, 5],
]);
const ALIAS_COUNTS = new Weighted<number>([
  [0, 88],
  [1, 10],
  [2, 2],
]);

const BOT_TITLES = [
  'Asistente Catastro',
  'Normativa predial',
  'Consultas de avalúo',
  'Bot de citas',
  'Cartografía Bogotá',
  'Atención al ciudadano',
];
const BOT_INSTRUCTIONS = [
  'Eres CatIA, la asistente de Catastro Bogotá. Responde en español, de forma breve y cordial.',
  'Responde solo sobre trámites catastrales de Bogotá. Si no sabes, remite a la Línea 195.',
  'Eres un experto en avalúos catastrales. Cita siempre la fuente normativa.',
  'Ayuda a los ciudadanos a agendar, cancelar y reprogramar citas virtuales.',
];
const TOOL_NAMES = ['internet_search', 'knowledge_base_tool', 'bedrock_agent', 'calculator', 'simple_list'];
const FEEDBACK_CATEGORIES = ['notFactuallyCorrect', 'notFullyFollowRequest', 'other'];
const BEDROCK_COMMENTS = [
  'La fecha del predial está desactualizada',
  'No respondió lo que pregunté',
  'Faltó el enlace al trámite',
  'Muy genérico',
];
const SOURCE_DOCS = [
  { name: 'Resolución 1149 de 2021.pdf', link: 's3://catia-kb-docs/normativa/resolucion-1149-2021.pdf' },
  { name: 'Guía de trámites Catastro Bogotá', link: 'https://www.catastrobogota.gov.co/tramites' },
  { name: 'Preguntas frecuentes predial', link: 'https://www.haciendabogota.gov.co/predial/faq' },
  { name: 'Manual de nomenclatura.pdf', link: 's3://catia-kb-docs/manuales/nomenclatura.pdf' },
];
const REASONING_TEXTS = [
  'El usuario pregunta por un trámite catastral. Debo verificar si lo atiende Catastro o Hacienda.',
  'Necesito buscar la información oficial más reciente antes de responder.',
  'La pregunta es sobre el avalúo; conviene explicar la diferencia con el avalúo comercial.',
];

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PDF_SMALL = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
).toString('base64');
const CSV_SMALL = Buffer.from('chip,direccion,avaluo\nAAA0123ABCD,"KR 7 # 32-16",350000000\n').toString('base64');
const ATTACHMENTS = [
  { name: 'escritura.pdf', body: PDF_SMALL },
  { name: 'predios%20familia.csv', body: CSV_SMALL },
  { name: 'recibo_predial_2025.pdf', body: PDF_SMALL },
];

let bigBlob: string | undefined;
/** ~307 KB of base64: pushes a MessageMap over the 300 KB large-message threshold. Built once, on demand. */
function bigAttachmentBody(): string {
  if (bigBlob === undefined) {
    const rng = new Rng(0xca7a);
    const bytes = Buffer.alloc(230_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    bigBlob = bytes.toString('base64');
  }
  return bigBlob;
}

// ---------------------------------------------------------------------------------------------------------------
// Bedrock Chat: users, bots, conversations

interface BotSpec {
  id: string;
  ownerIndex: number;
  createMs: number;
  isPublic: boolean;
  title: string;
  description: string;
  instruction: string;
  hasKnowledge: boolean;
  hasAgent: boolean;
  pinned: boolean;
}

interface BedrockUser {
  index: number;
  userId: string;
  oldConversations: number;
  newConversations: number;
  bots: BotSpec[];
  aliases: BotSpec[];
}

function bedrockUserPlan(
  seed: number | string,
  u: number,
): Omit<BedrockUser, 'bots' | 'aliases'> & { botCount: number } {
  const rng = rngFor(seed, 'bedrock-user', u);
  return {
    index: u,
    userId: uuid(rng),
    oldConversations: BEDROCK_CONVERSATIONS.pick(rng),
    newConversations: BEDROCK_CONVERSATIONS.pick(rng),
    botCount: BOT_COUNTS.pick(rng),
  };
}

function botSpec(seed: number | string, u: number, b: number): BotSpec {
  const rng = rngFor(seed, 'bot', u, b);
  const createMs = d('2024-02-01') + Math.floor(rng.next() * (d('2025-03-31') - d('2024-02-01')));
  const title = rng.pick(BOT_TITLES);
  return {
    id: ulid(createMs, rng),
    ownerIndex: u,
    createMs,
    isPublic: rng.chance(0.35),
    title,
    description: `${title}: bot de prueba de Catastro Bogotá`,
    instruction: rng.pick(BOT_INSTRUCTIONS),
    hasKnowledge: rng.chance(0.5),
    hasAgent: rng.chance(0.35),
    pinned: rng.chance(0.2),
  };
}

function bedrockUser(seed: number | string, u: number, users: number): BedrockUser {
  const plan = bedrockUserPlan(seed, u);
  const bots: BotSpec[] = [];
  for (let b = 0; b < plan.botCount; b++) bots.push(botSpec(seed, u, b));
  // Aliases point at other users' public bots; a handful of tries keeps this cheap and deterministic.
  const aliases: BotSpec[] = [];
  const rng = rngFor(seed, 'aliases', u);
  const aliasCount = ALIAS_COUNTS.pick(rng);
  for (let a = 0; a < aliasCount && users > 1; a++) {
    for (let attempt = 0; attempt < 8; attempt++) {
      const v = rng.int(users);
      if (v === u) continue;
      const owner = bedrockUserPlan(seed, v);
      if (owner.botCount === 0) continue;
      const spec = botSpec(seed, v, rng.int(owner.botCount));
      if (spec.isPublic && !aliases.some((x) => x.id === spec.id)) {
        aliases.push(spec);
        break;
      }
    }
  }
  return {
    index: u,
    userId: plan.userId,
    oldConversations: plan.oldConversations,
    newConversations: plan.newConversations,
    bots,
    aliases,
  };
}

function botItem(user: BedrockUser, bot: BotSpec): SampleItem {
  const item: SampleItem = {
    PK: user.userId,
    SK: `${user.userId}#BOT#${bot.id}`,
    Title: bot.title,
    Description: bot.description,
    Instruction: bot.instruction,
    CreateTime: bot.createMs,
    LastBotUsed: bot.createMs + 86_400_000,
    IsPinned: bot.pinned,
    GenerationParams: { max_tokens: 2000, top_k: 250, top_p: 0.999, temperature: 0.6, stop_sequences: ['Human:'] },
    Knowledge: {
      source_urls: bot.hasKnowledge ? ['https://www.catastrobogota.gov.co/tramites'] : [],
      sitemap_urls: [],
      filenames: bot.hasKnowledge ? ['Resolución 1149 de 2021.pdf'] : [],
      s3_urls: [],
    },
    AgentData: { tools: bot.hasAgent ? [{ name: 'internet_search', description: 'Búsqueda en internet' }] : [] },
    SyncStatus: bot.hasKnowledge ? 'SUCCEEDED' : 'RUNNING',
    SyncStatusReason: '',
    LastExecId: '',
    DisplayRetrievedChunks: true,
    ConversationQuickStarters: [{ title: 'Certificado', example: '¿Cómo obtengo el certificado catastral?' }],
  };
  if (bot.isPublic) item['PublicBotId'] = bot.id;
  return item;
}

function aliasItem(user: BedrockUser, bot: BotSpec): SampleItem {
  return {
    PK: user.userId,
    SK: `${user.userId}#BOT_ALIAS#${bot.id}`,
    Title: bot.title,
    Description: bot.description,
    OriginalBotId: bot.id,
    CreateTime: bot.createMs + 3_600_000,
    LastBotUsed: bot.createMs + 7_200_000,
    IsPinned: false,
    SyncStatus: 'SUCCEEDED',
    HasKnowledge: bot.hasKnowledge,
    HasAgent: bot.hasAgent,
    ConversationQuickStarters: [],
  };
}

interface NodeDraft {
  id: string;
  role: 'system' | 'instruction' | 'user' | 'assistant';
  content: unknown[];
  model: string;
  children: string[];
  parent: string | null;
  createTime: number;
  feedback?: Record<string, unknown>;
  usedChunks?: unknown[];
  thinkingLog?: unknown;
}

function textContent(w: number, body: string): Record<string, unknown> {
  if (w === W.v0_3) return { content_type: 'text', body };
  if (w < W.v1_2_7) return { content_type: 'text', media_type: null, body };
  if (w < W.v2_2) return { content_type: 'text', media_type: null, body, file_name: null };
  return { content_type: 'text', body };
}

function imageContent(w: number, body: string): Record<string, unknown> {
  if (w < W.v1_2_7) return { content_type: 'image', media_type: 'image/png', body };
  if (w < W.v2_2) return { content_type: 'image', media_type: 'image/png', body, file_name: null };
  return { content_type: 'image', media_type: 'image/png', body };
}

function attachmentContent(w: number, fileName: string, body: string): Record<string, unknown> {
  if (w < W.v2_2) return { content_type: 'attachment', media_type: null, body, file_name: fileName };
  return { content_type: 'attachment', file_name: fileName, body };
}

function reasoningContent(rng: Rng, text: string): Record<string, unknown> {
  const redacted = rng.chance(0.03);
  return {
    content_type: 'reasoning',
    text: redacted ? '' : text,
    signature: redacted ? '' : `Er${base62(rng, 86)}==`,
    redacted_content: redacted ? Buffer.from(text).toString('base64') : '',
  };
}

function serializeNode(n: NodeDraft, w: number): Record<string, unknown> {
  const node: Record<string, unknown> = {
    role: n.role,
    content: w === W.v0_3 ? n.content[0] : n.content,
    model: n.model,
    children: n.children,
    parent: n.parent,
    create_time: new PyFloat(n.createTime),
  };
  if (w >= W.v0_4_8) {
    node['feedback'] = n.feedback ?? null;
    node['used_chunks'] = n.usedChunks ?? null;
  }
  if (w >= W.v1_0) node['thinking_log'] = n.thinkingLog ?? null;
  return node;
}

function serializeMessageMap(nodes: readonly NodeDraft[], w: number): string {
  const map: Record<string, unknown> = {};
  for (const n of nodes) map[n.id] = serializeNode(n, w);
  return pythonJsonDumps(map);
}

function bedrockQuestion(rng: Rng, topic: Topic): string {
  const r = rng.next();
  if (r < 0.03) return rng.pick(AWKWARD)(rng.pick(topic.questions));
  if (r < 0.035) return rng.pick(LONG_TEXTS);
  return rng.pick(topic.questions);
}

function bedrockAnswer(rng: Rng, topic: Topic): string {
  const r = rng.next();
  if (r < 0.01) return rng.pick(LONG_TEXTS);
  if (r < 0.02) return rng.pick(AWKWARD)(rng.pick(topic.answers));
  return rng.pick(topic.answers);
}

function toolUseId(rng: Rng): string {
  return `tooluse_${base62(rng, 22)}`;
}

function reactLog(question: string, answer: string): string {
  return `Thought: Necesito buscar información oficial para responder.\nAction: internet_search\nAction Input: ${question}\nObservation: Catastro Bogotá publica la guía de trámites en su sitio web.\nThought: Ya tengo la respuesta.\nFinal Answer: ${answer.slice(0, 200)}`;
}

function toolInput(name: string, question: string): Record<string, unknown> {
  if (name === 'calculator') return { expression: '350000000 * 0.006' };
  if (name === 'simple_list') return { topic: 'trámites', count: 3 };
  if (name === 'internet_search') return { query: question, locale: 'es-co', time_limit: 'y' };
  return { query: question };
}

/** v1.3.1–v2.1.x AgentMessageModel log: the prior conversation, then the tool loop with `json_`. */
function agentLogV13(
  rng: Rng,
  history: readonly { q: string; a: string }[],
  question: string,
): Record<string, unknown>[] {
  const log: Record<string, unknown>[] = [];
  for (const turn of history) {
    log.push({ role: 'user', content: [{ content_type: 'text', body: turn.q }] });
    log.push({ role: 'assistant', content: [{ content_type: 'text', body: turn.a }] });
  }
  log.push({ role: 'user', content: [{ content_type: 'text', body: question }] });
  const id = toolUseId(rng);
  const name = rng.pick(TOOL_NAMES);
  log.push({
    role: 'assistant',
    content: [
      { content_type: 'text', body: 'Voy a consultar la información oficial.' },
      { content_type: 'toolUse', body: { tool_use_id: id, name, input: toolInput(name, question) } },
    ],
  });
  const asJson = rng.chance(0.5);
  log.push({
    role: 'user',
    content: [
      {
        content_type: 'toolResult',
        body: {
          tool_use_id: id,
          content: asJson
            ? {
                json_: { resultados: [{ titulo: 'Guía de trámites', url: 'https://www.catastrobogota.gov.co' }] },
                text: null,
              }
            : { json_: null, text: 'El certificado catastral se descarga gratis en Catastro en Línea.' },
          status: rng.chance(0.95) ? 'success' : 'error',
        },
      },
    ],
  });
  return log;
}

interface RelatedDoc {
  sourceId: string;
  content: Record<string, unknown>;
  source: { name: string; link: string };
}

function relatedContent(rng: Rng, text: string): Record<string, unknown> {
  const r = rng.next();
  if (r < 0.7) return { text };
  if (r < 0.85) return { json: { titulo: 'Guía de trámites', resumen: text } };
  if (r < 0.93) return { format: 'png', image: PNG_1X1 };
  return { format: 'pdf', name: 'resolucion.pdf', document: PDF_SMALL };
}

/** v2.2+ typed thinking_log: optional reasoning, toolUse, then toolResult with a list of ToolResult. */
function agentLogTyped(
  rng: Rng,
  w: number,
  question: string,
  reasoning: Record<string, unknown> | undefined,
  citations: boolean,
  related: RelatedDoc[],
): Record<string, unknown>[] {
  const log: Record<string, unknown>[] = [];
  const rounds = rng.chance(0.3) ? 2 : 1;
  for (let round = 0; round < rounds; round++) {
    const id = toolUseId(rng);
    const name = rng.pick(TOOL_NAMES);
    const assistantContent: unknown[] = [];
    if (round === 0 && reasoning) assistantContent.push(reasoning);
    assistantContent.push({
      content_type: 'toolUse',
      body: { tool_use_id: id, name, input: toolInput(name, question) },
    });
    log.push({ role: 'assistant', content: assistantContent });
    const results: unknown[] = [];
    const count = rng.range(1, 2);
    for (let rank = 0; rank < count; rank++) {
      const text = rng.pick(rng.pick(TOPICS).answers);
      const r = rng.next();
      if (citations) {
        const sourceId = `${id}@${rank}`;
        results.push({ json: { source_id: sourceId, content: text } });
        related.push({ sourceId, content: relatedContent(rng, text), source: rng.pick(SOURCE_DOCS) });
      } else if (r < 0.55) results.push({ text });
      else if (r < 0.85) results.push({ json: { resultado: text, rank } });
      else results.push({ format: 'png', image: PNG_1X1 });
    }
    log.push({
      role: 'user',
      content: [
        {
          content_type: 'toolResult',
          body: { tool_use_id: id, status: rng.chance(0.95) ? 'success' : 'error', content: results },
        },
      ],
    });
  }
  if (w >= W.v3 && rng.chance(0.1)) log.push({ role: 'assistant', content: [{ content_type: 'text', body: '' }] });
  return log;
}

function usedChunks(rng: Rng, w: number): Record<string, unknown>[] {
  const chunks: Record<string, unknown>[] = [];
  const count = rng.range(1, 3);
  for (let rank = 0; rank < count; rank++) {
    const s3 = rng.chance(0.5);
    const chunk: Record<string, unknown> = { content: rng.pick(rng.pick(TOPICS).answers) };
    if (w >= W.v1_0) chunk['content_type'] = s3 ? 's3' : 'url';
    chunk['source'] = s3
      ? `https://catia-kb-docs.s3.amazonaws.com/normativa/resolucion-1149-2021.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${hexId(rng, 64)}`
      : 'https://www.catastrobogota.gov.co/tramites';
    chunk['rank'] = rank;
    chunks.push(chunk);
  }
  return chunks;
}

function estimatePrice(model: string, inputChars: number, outputChars: number): number {
  const [pin, pout] = PRICES[model] ?? DEFAULT_PRICE;
  return ((inputChars / 4 + 60) * pin) / 1000 + ((outputChars / 4) * pout) / 1000;
}

interface ConversationSpec {
  user: BedrockUser;
  /** Writer format (index into W). */
  w: number;
  createMs: number;
  model: string;
  /** Models a single turn may switch to. */
  modelPool: readonly string[];
  /** Whether a pre-v3.9 writer duplicated the first thinking_log reasoning into content[0]. */
  duplicateReasoning: boolean;
}

/** One conversation item, its RELATED_DOCUMENT items, and the large-message side record when it is large. */
function buildConversation(rng: Rng, spec: ConversationSpec): BedrockSampleRecord[] {
  const { user, w, createMs, model } = spec;
  const available = [...user.bots, ...user.aliases];
  let bot: BotSpec | undefined;
  if (w >= W.v0_4_2 && available.length > 0 && rng.chance(0.5)) bot = rng.pick(available);
  else if (w >= W.v0_4_2 && rng.chance(0.01)) {
    // A conversation with a bot that has since been deleted.
    bot = { ...botSpec('deleted', user.index, 0), id: ulid(createMs - 86_400_000, rng) };
  }
  const published = bot !== undefined && w >= W.v1_2_7 && rng.chance(0.12);
  const pk = published && bot ? `PUBLISHED_API#${bot.id}` : user.userId;
  const conversationId = ulid(createMs, rng);
  const sk = `${pk}#CONV#${conversationId}`;

  const nodes: NodeDraft[] = [];
  const system: NodeDraft = {
    id: 'system',
    role: 'system',
    content: [textContent(w, '')],
    model,
    children: [],
    parent: null,
    createTime: createMs,
  };
  nodes.push(system);
  let parent = system;
  if (bot) {
    const instruction: NodeDraft = {
      id: 'instruction',
      role: 'instruction',
      content: [textContent(w, rng.chance(0.1) ? `${bot.instruction} Usa viñetas.` : bot.instruction)],
      model,
      children: [],
      parent: 'system',
      createTime: createMs,
    };
    system.children.push('instruction');
    nodes.push(instruction);
    parent = instruction;
  }

  const agent = (bot?.hasAgent ?? false) || (w >= W.v3 && rng.chance(0.12));
  const knowledge = bot?.hasKnowledge ?? false;
  const large = w >= W.v0_4_5 && rng.chance(0.008);
  const related: RelatedDoc[] = [];
  const history: { q: string; a: string }[] = [];
  let topic = rng.pick(TOPICS);
  let t = createMs;
  let price = 0;
  let contextChars = 0;
  let lastAssistant: NodeDraft | undefined;
  const turns = rng.chance(0.005) ? 0 : BEDROCK_TURNS.pick(rng);
  const turnModel = (): string => (rng.chance(0.05) ? rng.pick(spec.modelPool) : model);

  const addUser = (question: string, extraLarge: boolean): NodeDraft => {
    const content: unknown[] = [textContent(w, question)];
    if (extraLarge) {
      content.push(
        w >= W.v1_2_7
          ? attachmentContent(w, 'expediente.pdf', bigAttachmentBody())
          : imageContent(w, bigAttachmentBody()),
      );
    } else {
      if (w >= W.v0_4_2 && rng.chance(0.04)) content.push(imageContent(w, PNG_1X1));
      if (w >= W.v1_2_7 && rng.chance(0.04)) {
        const a = rng.pick(ATTACHMENTS);
        content.push(attachmentContent(w, a.name, a.body));
      }
    }
    const node: NodeDraft = {
      id: ulid(t, rng),
      role: 'user',
      content,
      model,
      children: [],
      parent: parent.id,
      createTime: t,
    };
    parent.children.push(node.id);
    nodes.push(node);
    return node;
  };

  const addAssistant = (userNode: NodeDraft, question: string, active: boolean): NodeDraft => {
    const id = ulid(t, rng);
    const turnModelName = turnModel();
    let answer = bedrockAnswer(rng, topic);
    const node: NodeDraft = {
      id,
      role: 'assistant',
      content: [],
      model: turnModelName,
      children: [],
      parent: userNode.id,
      createTime: t,
    };
    const reasoningOn = w >= W.v2_6 && REASONING_MODELS.has(turnModelName) && rng.chance(0.5);
    const reasoning = reasoningOn ? reasoningContent(rng, rng.pick(REASONING_TEXTS)) : undefined;
    if (agent && w >= W.v1_0 && w < W.v1_3_1) node.thinkingLog = reactLog(question, answer);
    else if (agent && w === W.v1_3_1) node.thinkingLog = agentLogV13(rng, history, question);
    else if (agent && w >= W.v2_2) {
      const before = related.length;
      node.thinkingLog = agentLogTyped(rng, w, question, reasoning, rng.chance(0.4), related);
      if (related.length > before) answer += ` [^${related[before]?.sourceId}]`;
    } else if (knowledge && w >= W.v2_2 && rng.chance(0.4)) {
      const count = rng.range(1, 2);
      for (let rank = 0; rank < count; rank++) {
        const text = rng.pick(topic.answers);
        related.push({ sourceId: `${id}@${rank}`, content: relatedContent(rng, text), source: rng.pick(SOURCE_DOCS) });
      }
      answer += ` [^${id}@0]`;
    }
    if (knowledge && w >= W.v0_4_8 && w < W.v2_2 && rng.chance(0.6)) node.usedChunks = usedChunks(rng, w);
    if (reasoning) {
      const log = node.thinkingLog;
      // Pre-v3.9 writers copied the first thinking_log reasoning into content[0]; otherwise reasoning leads content.
      if (Array.isArray(log)) {
        if (spec.duplicateReasoning) node.content.push({ ...reasoning });
      } else node.content.push(reasoning);
    }
    node.content.push(textContent(w, answer));
    if (w >= W.v0_4_8 && rng.chance(0.07)) {
      const thumbsUp = rng.chance(0.05);
      node.feedback = {
        thumbs_up: thumbsUp,
        category: thumbsUp ? '' : rng.pick(FEEDBACK_CATEGORIES),
        comment: rng.chance(0.4) ? '' : rng.pick(BEDROCK_COMMENTS),
      };
    }
    userNode.children.push(id);
    nodes.push(node);
    price += estimatePrice(turnModelName, contextChars + question.length, answer.length) * (agent ? 2.2 : 1);
    contextChars += question.length + answer.length;
    if (active) history.push({ q: question, a: answer });
    return node;
  };

  for (let k = 0; k < turns; k++) {
    if (k > 0 && rng.chance(0.25)) topic = rng.pick(TOPICS);
    // An edited question: a sibling user node with its own (abandoned) answer.
    if (k > 0 && rng.chance(0.02)) {
      const abandonedQuestion = bedrockQuestion(rng, topic);
      const abandoned = addUser(abandonedQuestion, false);
      t += rng.range(2000, 20000);
      addAssistant(abandoned, abandonedQuestion, false);
      t += rng.range(5000, 60000);
    }
    const question = bedrockQuestion(rng, topic);
    const userNode = addUser(question, large && k === 0);
    t += rng.range(2000, 30000);
    // A regenerated answer: the first sibling stays in the tree, the thread continues from the second.
    if (rng.chance(0.04)) {
      addAssistant(userNode, question, false);
      t += rng.range(3000, 30000);
    }
    if (k === turns - 1 && turns > 1 && rng.chance(0.005)) break; // last question never answered
    lastAssistant = addAssistant(userNode, question, true);
    parent = lastAssistant;
    t += rng.range(30_000, 600_000);
  }
  if (turns === 0) addUser(bedrockQuestion(rng, topic), false);

  const item: SampleItem = {
    PK: pk,
    SK: sk,
    Title: rng.chance(0.12) ? 'New conversation' : topic.title,
    CreateTime: rng.chance(0.02) ? Math.floor(createMs / 1000) : createMs,
  };
  if (w >= W.v0_4_5 && rng.chance(0.97)) item['TotalPrice'] = Math.max(0.000001, Math.round(price * 1e6) / 1e6);
  item['LastMessageId'] = lastAssistant?.id ?? '';

  let messageMap = serializeMessageMap(nodes, w);
  let largeMessage: BedrockSampleRecord['largeMessage'];
  if (large) {
    const key = `${pk}/${conversationId}/message_map.json`;
    largeMessage = { key, body: messageMap };
    if (lastAssistant && rng.chance(0.25)) {
      // update_feedback() writes the full map back to DynamoDB; the S3 copy lacks that feedback.
      lastAssistant.feedback = { thumbs_up: false, category: 'other', comment: 'Respuesta incompleta' };
      messageMap = serializeMessageMap(nodes, w);
    } else messageMap = serializeMessageMap([system], w);
    item['MessageMap'] = messageMap;
    item['IsLargeMessage'] = true;
    item['LargeMessagePath'] = key;
  } else {
    if (rng.chance(0.002)) messageMap = messageMap.slice(0, Math.floor(messageMap.length * 0.7));
    item['MessageMap'] = messageMap;
    if (w >= W.v0_4_5) item['IsLargeMessage'] = false;
  }
  if (w > W.v1_0 || (w === W.v1_0 && createMs >= d('2024-06-27'))) item['ShouldContinue'] = rng.chance(0.03);
  if (bot) item['BotId'] = bot.id;

  const records: BedrockSampleRecord[] = [largeMessage ? { item, largeMessage } : { item }];
  for (const doc of related) {
    const relatedItem: SampleItem = {
      PK: pk,
      SK: `${pk}#RELATED_DOCUMENT#${conversationId}#${doc.sourceId}`,
      SourceName: doc.source.name,
      SourceLink: doc.source.link,
    };
    if (w >= W.v2_6 && rng.chance(0.6)) relatedItem['PageNumber'] = rng.range(1, 40);
    relatedItem['Content'] = doc.content;
    records.push({ item: relatedItem });
  }
  return records;
}

/** User u's old conversation c: the same records whichever generator asks (the new one re-emits some). */
function buildOldConversation(seed: number | string, user: BedrockUser, c: number): BedrockSampleRecord[] {
  const rng = rngFor(seed, 'old-conversation', user.index, c);
  const dateEra = OLD_ERA_PICKER.pick(rng);
  const era = OLD_ERAS[dateEra] as Era;
  // Some conversations were continued later, so a newer version re-serialised them.
  const w = dateEra < W.v2_6 && rng.chance(0.06) ? rng.range(dateEra + 1, W.v2_6) : dateEra;
  const createMs = era.start + Math.floor(rng.next() * (era.end - era.start));
  const model = rng.chance(0.015) ? rng.pick(UNKNOWN_MODELS) : rng.pick(era.models);
  return buildConversation(rng, {
    user,
    w,
    createMs,
    model,
    modelPool: era.models,
    duplicateReasoning: rng.chance(0.5),
  });
}

function buildNewConversation(seed: number | string, user: BedrockUser, c: number): BedrockSampleRecord[] {
  const rng = rngFor(seed, 'new-conversation', user.index, c);
  const createMs = NEW_WINDOW.start + Math.floor(rng.next() * (NEW_WINDOW.end - NEW_WINDOW.start));
  const model = rng.chance(0.01) ? rng.pick(UNKNOWN_MODELS) : NEW_MODELS.pick(rng);
  return buildConversation(rng, {
    user,
    w: W.v3,
    createMs,
    model,
    modelPool: NEW_MODEL_NAMES,
    duplicateReasoning: rng.chance(0.3),
  });
}

/**
 * Items of the old Bedrock Chat table (v0.4–v2.x writers): per user 1–5 conversations from every era of the
 * handbook's timeline, their RELATED_DOCUMENT items (v2.2+), and bot / bot-alias items for some users.
 * About 3.3 items per user. Yields `{ item, largeMessage? }` (see the module comment).
 */
export function* generateBedrockOldItems(options: BedrockSampleOptions): Generator<BedrockSampleRecord> {
  checkUsers(options.users);
  for (let u = 0; u < options.users; u++) {
    const user = bedrockUser(options.seed, u, options.users);
    for (const bot of user.bots) yield { item: botItem(user, bot) };
    for (const alias of user.aliases) yield { item: aliasItem(user, alias) };
    for (let c = 0; c < user.oldConversations; c++) yield* buildOldConversation(options.seed, user, c);
  }
}

/**
 * Items of the new Bedrock Chat table (v3 writers, dated from 2026-01-01): only `#CONV#` and
 * `#RELATED_DOCUMENT#` items. About `copyFraction` of its conversations are verbatim copies of the old
 * table's (same PK/SK and attributes), as the v2→v3 migration left them. Yields `{ item, largeMessage? }`.
 */
export function* generateBedrockNewItems(options: BedrockSampleOptions): Generator<BedrockSampleRecord> {
  checkUsers(options.users);
  const fraction = options.copyFraction ?? 0.05;
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`copyFraction must be in [0, 1): ${fraction}`);
  // Old and new conversation counts per user share one distribution, so copying each old conversation with
  // chance f/(1-f) makes copies ≈ f of all new-table conversations.
  const copyChance = Math.min(1, fraction / (1 - fraction));
  for (let u = 0; u < options.users; u++) {
    const user = bedrockUser(options.seed, u, options.users);
    for (let c = 0; c < user.oldConversations; c++) {
      if (rngFor(options.seed, 'copy', u, c).next() < copyChance) yield* buildOldConversation(options.seed, user, c);
    }
    for (let c = 0; c < user.newConversations; c++) yield* buildNewConversation(options.seed, user, c);
  }
}

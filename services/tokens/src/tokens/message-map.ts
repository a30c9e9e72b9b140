/**
 * One reader for every era of the Bedrock Chat MessageMap (see the handbook's version timeline):
 * content as a single object (< v0.4.2) or a list; text, image, attachment, toolUse, toolResult
 * (v2.2 list form and the v1.3.1–v2.1 `json_` form), reasoning; `thinking_log` as a string
 * (v1.0–v1.3.0) or a list (v1.3.1+); `system`/`instruction` nodes; `used_chunks`; feedback.
 *
 * Token roles: input = user, system and instruction text, used_chunks and toolResult text;
 * output = assistant text, reasoning text and toolUse input (as JSON). Binary bodies (images,
 * attachments, base64 tool results) are never tokenized; they are counted. Each text is counted once.
 */
import type { TokenCounter } from '@catia/shared';

export interface NodeTokens {
  id: string;
  role: string;
  model: string | undefined;
  parent: string | null;
  createMs: number | undefined;
  /** Tokens of this node's own message (content) by billing role. */
  input: number;
  output: number;
  /** Tokens of the RAG chunks sent with this turn (input). */
  chunks: number;
  /** The agent tool loop of this turn, in order: each entry's tokens and whether the model wrote it. */
  loop: { tokens: number; byModel: boolean }[];
  feedback: boolean;
}

export interface ParsedMap {
  nodes: NodeTokens[];
  binaryBlocks: number;
  feedbackCount: number;
}

/**
 * What a priced row needs of a node: its tokens by role, with its parent as an index into the same
 * list (-1: no parent, or an id that is not in the map) and its tool loop summed up.
 */
export interface NodeCounts {
  role: string;
  /** The node's id is `system`. */
  system: boolean;
  model: string | undefined;
  parent: number;
  createMs: number | undefined;
  input: number;
  output: number;
  chunks: number;
  /** Loop tokens written by the model, and sent back to it (tool results, user turns). */
  loopOut: number;
  loopIn: number;
  /** Model calls of the loop, and the sum over those calls of the loop tokens sent before each. */
  loopCalls: number;
  loopSent: number;
}

/** What a priced row needs of a map. */
export interface TokenCounts {
  nodes: readonly NodeCounts[];
  binaryBlocks: number;
}

/** The row figures of a parsed map: parents resolved to indexes, tool loops summed. */
export function tokenCountsOf(parsed: ParsedMap): TokenCounts {
  const index = new Map(parsed.nodes.map((n, i) => [n.id, i]));
  const nodes = parsed.nodes.map((n): NodeCounts => {
    let loopOut = 0;
    let loopIn = 0;
    let loopCalls = 0;
    let loopSent = 0;
    let sent = 0;
    for (const e of n.loop) {
      if (e.byModel) {
        loopCalls++;
        loopSent += sent;
        loopOut += e.tokens;
      } else loopIn += e.tokens;
      sent += e.tokens;
    }
    return {
      role: n.role,
      system: n.id === 'system',
      model: n.model,
      parent: n.parent === null ? -1 : (index.get(n.parent) ?? -1),
      createMs: n.createMs,
      input: n.input,
      output: n.output,
      chunks: n.chunks,
      loopOut,
      loopIn,
      loopCalls,
      loopSent,
    };
  });
  return { nodes, binaryBlocks: parsed.binaryBlocks };
}

export class MessageMapError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const INPUT_ROLES = new Set(['user', 'system', 'instruction']);

/** Parse the MessageMap JSON string; throws {@link MessageMapError} with a reason (never text). */
export function parseMessageMapJson(json: unknown): Obj {
  if (typeof json !== 'string') throw new MessageMapError('MessageMap is not a string');
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new MessageMapError('MessageMap is not valid JSON');
  }
  if (!isObj(v)) throw new MessageMapError('MessageMap is not an object');
  return v;
}

interface Counted {
  input: number;
  output: number;
  binary: number;
  reasoning: string[];
}

function toolResultText(body: unknown, count: TokenCounter, acc: Counted): void {
  if (!isObj(body)) return;
  const content = body.content;
  const items = Array.isArray(content) ? content : isObj(content) ? [content] : [];
  for (const r of items) {
    if (!isObj(r)) continue;
    if (typeof r.text === 'string') acc.input += count(r.text);
    const json = r.json ?? r.json_;
    if (json !== undefined && json !== null) acc.input += count(JSON.stringify(json));
    if (typeof r.image === 'string' || typeof r.document === 'string') acc.binary++;
  }
}

/** Count one content item into `acc`, by the role that wrote it. */
function countContent(item: unknown, role: string, count: TokenCounter, acc: Counted): void {
  if (!isObj(item)) return;
  const type = item.content_type;
  const asInput = INPUT_ROLES.has(role);
  switch (type) {
    case 'text': {
      const body = typeof item.body === 'string' ? item.body : '';
      const t = count(body);
      if (asInput) acc.input += t;
      else acc.output += t;
      return;
    }
    case 'image':
    case 'attachment':
      acc.binary++;
      return;
    case 'toolUse': {
      const body = isObj(item.body) ? item.body : {};
      acc.output += count(JSON.stringify(body.input ?? {}));
      return;
    }
    case 'toolResult':
      toolResultText(item.body, count, acc);
      return;
    case 'reasoning': {
      const text = typeof item.text === 'string' ? item.text : '';
      acc.reasoning.push(text);
      if (typeof item.redacted_content === 'string' && item.redacted_content) acc.binary++;
      return;
    }
    default:
      // An unknown content type with a text body still counts as text of its role.
      if (typeof item.body === 'string') {
        if (asInput) acc.input += count(item.body);
        else acc.output += count(item.body);
      }
  }
}

const asList = (c: unknown): unknown[] => (Array.isArray(c) ? c : c === undefined || c === null ? [] : [c]);

/** Walk every node of the map (all branches: regenerations were billed too). */
export function readMessageMap(map: Obj, count: TokenCounter): ParsedMap {
  const nodes: NodeTokens[] = [];
  let binaryBlocks = 0;
  let feedbackCount = 0;
  for (const [id, raw] of Object.entries(map)) {
    if (!isObj(raw)) throw new MessageMapError('MessageMap node is not an object');
    const role = typeof raw.role === 'string' ? raw.role : '';
    if (!role) throw new MessageMapError('MessageMap node without role');

    // The tool loop first, so a reasoning block duplicated into the final content (app < v3.9) counts once.
    const loop: NodeTokens['loop'] = [];
    const loopReasoning = new Set<string>();
    const tl = raw.thinking_log;
    if (typeof tl === 'string') {
      if (tl) loop.push({ tokens: count(tl), byModel: true });
    } else if (Array.isArray(tl)) {
      let seeded = true;
      for (const entry of tl) {
        if (!isObj(entry)) continue;
        const items = asList(entry.content);
        // v1.3.1–v2.1 logs start with the whole prior conversation as plain text turns: skip that seed.
        if (seeded && items.every((c) => isObj(c) && c.content_type === 'text')) continue;
        seeded = false;
        const entryRole = entry.role === 'user' ? 'user' : 'assistant';
        const acc: Counted = { input: 0, output: 0, binary: 0, reasoning: [] };
        for (const c of items) countContent(c, entryRole, count, acc);
        for (const r of acc.reasoning) {
          loopReasoning.add(r);
          acc.output += count(r);
        }
        binaryBlocks += acc.binary;
        if (acc.output) loop.push({ tokens: acc.output, byModel: true });
        if (acc.input) loop.push({ tokens: acc.input, byModel: false });
      }
    }

    const acc: Counted = { input: 0, output: 0, binary: 0, reasoning: [] };
    for (const c of asList(raw.content)) countContent(c, role, count, acc);
    for (const r of acc.reasoning) if (!loopReasoning.has(r)) acc.output += count(r);
    binaryBlocks += acc.binary;

    let chunks = 0;
    if (Array.isArray(raw.used_chunks)) {
      for (const ch of raw.used_chunks) if (isObj(ch) && typeof ch.content === 'string') chunks += count(ch.content);
    }
    const hasFeedback = isObj(raw.feedback);
    if (hasFeedback) feedbackCount++;
    const ct = typeof raw.create_time === 'number' ? raw.create_time : undefined;
    nodes.push({
      id,
      role,
      model: typeof raw.model === 'string' && raw.model ? raw.model : undefined,
      parent: typeof raw.parent === 'string' ? raw.parent : null,
      createMs: ct === undefined ? undefined : ct < 1e11 ? ct * 1000 : ct,
      input: acc.input,
      output: acc.output,
      chunks,
      loop,
      feedback: hasFeedback,
    });
  }
  return { nodes, binaryBlocks, feedbackCount };
}

/**
 * Feedback stored on the DynamoDB copy of a large message (written there by `update_feedback`)
 * merged into the S3 copy, node by node, where the S3 node has none.
 */
export function mergeFeedback(s3Map: Obj, ddbMap: Obj | undefined): number {
  if (!ddbMap) return 0;
  let merged = 0;
  for (const [id, node] of Object.entries(ddbMap)) {
    // Own nodes only: an id such as `__proto__` must never reach Object.prototype.
    if (!isObj(node) || !isObj(node.feedback) || !Object.hasOwn(s3Map, id)) continue;
    const target = s3Map[id];
    if (isObj(target) && !isObj(target.feedback)) {
      target.feedback = node.feedback;
      merged++;
    }
  }
  return merged;
}

/**
 * The input tokens Bedrock bills: for each assistant turn, everything sent with it — the
 * system/instruction nodes and every earlier message of its thread (its ancestors), its RAG
 * chunks, and, per call of its tool loop, everything the loop had produced before that call.
 * Throws {@link MessageMapError} when parent links form a cycle (no thread can be told).
 */
export function inputTokensInContext(nodes: readonly NodeCounts[]): number {
  const memo: number[] = new Array(nodes.length).fill(UNKNOWN);
  const path: number[] = [];
  let total = 0;
  for (const n of nodes) {
    if (n.role !== 'assistant') continue;
    const base = threadTokens(nodes, memo, path, n.parent) + n.chunks;
    // Each model call of the loop is sent the base and the loop so far; the final answer, all of it.
    total += n.loopCalls * base + n.loopSent + base + n.loopOut + n.loopIn;
  }
  return total;
}

const UNKNOWN = -1;
const ON_PATH = -2;

/**
 * Tokens of node `start` and its ancestors, memoized per node in `memo`. A thread is followed at
 * most 10,000 parents up. Iterative: a long chain cannot exhaust the stack.
 */
function threadTokens(nodes: readonly NodeCounts[], memo: number[], path: number[], start: number): number {
  path.length = 0;
  let above = 0;
  for (let i = start, depth = 0; i >= 0 && depth <= 10_000; i = (nodes[i] as NodeCounts).parent, depth++) {
    const known = memo[i] as number;
    if (known >= 0) {
      above = known;
      break;
    }
    if (known === ON_PATH) throw new MessageMapError('MessageMap parent links form a cycle');
    memo[i] = ON_PATH;
    path.push(i);
  }
  for (let k = path.length - 1; k >= 0; k--) {
    const i = path[k] as number;
    const n = nodes[i] as NodeCounts;
    above += n.input + n.output;
    memo[i] = above;
  }
  return above;
}

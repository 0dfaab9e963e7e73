// Limits on the structure of request text, checked by one linear scan of the characters before
// any parser runs: JSON.parse is fast but what follows it (schemas, the engine, cache keys) walks
// the tree recursively, and the yaml parser costs ~2 µs a byte and checks duplicate keys in time
// quadratic in a mapping's size (33,306 keys took 12.6 s). The scans over-count (a `:` inside a
// YAML string counts as a key), which only matters to text far larger than any real scenario.
import type { InputIssue } from '../../common/errors.js';

export interface TextLimits {
  /** Most characters. */
  maxChars: number;
  /** Most mapping keys (for YAML, an upper bound: `:`, `?`, `,` and `}` indicators). */
  maxKeys: number;
  /** Deepest nesting of mappings and sequences. */
  maxDepth: number;
  /** Most alias references (`*name`), YAML only: each can expand a whole subtree. */
  maxAliases: number;
}

/** JSON request bodies: any body the API takes is a few dozen keys, three or four levels deep. */
export const JSON_BODY_LIMITS: TextLimits = { maxChars: Infinity, maxKeys: 2_000, maxDepth: 32, maxAliases: 0 };

/** A scenario given as YAML/JSON text: the largest example is 1.2 KB with 28 keys. */
export const SCENARIO_TEXT_LIMITS: TextLimits = { maxChars: 32 * 1024, maxKeys: 1_000, maxDepth: 32, maxAliases: 50 };

const OPEN = new Set(['{', '[']);
const CLOSE = new Set(['}', ']']);

function judge(field: string, limits: TextLimits, chars: number, keys: number, depth: number, aliases: number): InputIssue[] {
  const out: InputIssue[] = [];
  if (chars > limits.maxChars) out.push({ path: field, message: `is ${chars} characters long; the limit is ${limits.maxChars}` });
  if (keys > limits.maxKeys) out.push({ path: field, message: `has more than ${limits.maxKeys} keys (limit ${limits.maxKeys}); counted ${keys}` });
  if (depth > limits.maxDepth) out.push({ path: field, message: `nests deeper than ${limits.maxDepth} levels (limit ${limits.maxDepth}); reached ${depth}` });
  if (aliases > limits.maxAliases) out.push({ path: field, message: `has ${aliases} aliases; the limit is ${limits.maxAliases}` });
  return out;
}

/** Issues (empty if none) for JSON text: keys, depth, outside strings. Stops counting depth and
 * keys once the verdict is known, so a 256 KB body costs one pass at most. */
export function scanJson(text: string, field = '', limits = JSON_BODY_LIMITS): InputIssue[] {
  let depth = 0;
  let maxDepth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') {
        // PostgreSQL's jsonb and text cannot hold NUL: refuse it here rather than fail on store.
        if (text.startsWith('u0000', i + 1)) return [{ path: field, message: 'a string holds the NUL character (\\u0000), which is not allowed' }];
        i++;
      } else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ':') keys++;
    else if (OPEN.has(c)) maxDepth = Math.max(maxDepth, ++depth);
    else if (CLOSE.has(c)) depth--;
  }
  return judge(field, limits, text.length, keys, maxDepth, 0);
}

/** Issues (empty if none) for YAML text (JSON is YAML). Depth is flow brackets plus block
 * levels: the indentation stack of the line (as Python's tokenizer keeps it) plus its leading
 * `- ` / `? ` indicators, which nest without indenting. */
export function scanYaml(text: string, field: string, limits = SCENARIO_TEXT_LIMITS): InputIssue[] {
  if (text.length > limits.maxChars) return judge(field, limits, text.length, 0, 0, 0);
  let keys = 0;
  let aliases = 0;
  let flow = 0;
  let maxDepth = 0;
  const indents: number[] = [];
  for (const line of text.split('\n')) {
    let i = 0;
    while (line[i] === ' ') i++;
    if (i === line.length || line[i] === '#') continue;
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! > i) indents.pop();
      if (!indents.length || indents[indents.length - 1]! < i) indents.push(i);
    }
    let compact = 0;
    while ((line[i] === '-' || line[i] === '?') && (line[i + 1] === ' ' || i + 1 === line.length)) {
      compact++;
      i += 2;
      while (line[i] === ' ') i++;
    }
    for (let j = i; j < line.length; j++) {
      const c = line[j]!;
      if (c === ':' || c === '?' || c === ',' || c === '}') keys++;
      if (c === '*' && (j === 0 || ' [{,:'.includes(line[j - 1]!))) aliases++;
      if (OPEN.has(c)) maxDepth = Math.max(maxDepth, indents.length + compact + ++flow);
      else if (CLOSE.has(c)) flow = Math.max(0, flow - 1);
    }
    maxDepth = Math.max(maxDepth, indents.length + compact + flow);
  }
  return judge(field, limits, text.length, keys, maxDepth, aliases);
}

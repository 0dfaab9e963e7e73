// Scenario and spec documents as text: YAML or JSON into plain data, with syntax errors turned into
// InputErrors that name the origin and the line (and column) where the problem starts. Pure, so the
// CLI (which reads files) and the programmatic API (which is handed text) share one parser.
import YAML from 'yaml';
import { InputError } from '../common/errors.js';

export type TextFormat = 'yaml' | 'json';

const syntaxError = (origin: string, what: string, line: number | undefined, column: number | undefined, message: string) =>
  new InputError(origin, [{ path: '', message: `${what} syntax error${line ? ` at line ${line}${column ? `, column ${column}` : ''}` : ''}: ${message}` }]);

/** Line and column (1-based) of a text offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

/** Where an unclosed flow collection or quoted string opened: the YAML parser notices these only
 * where the next key starts, lines later, but the user has to fix the opening line. */
function openedAt(text: string, error: YAML.YAMLError): { line: number; col: number; what: string } | undefined {
  const at = error.pos[0];
  const quote = /Missing closing (["'])quote/.exec(error.message)?.[1];
  if (quote) {
    const i = text.lastIndexOf(quote, at - 1);
    return i >= 0 ? { ...lineCol(text, i), what: `the ${quote} string that starts here is not closed` } : undefined;
  }
  const flow = /Flow (map|sequence) .* end with an? ([}\]])/.exec(error.message);
  if (!flow) return undefined;
  const open = flow[2] === '}' ? '{' : '[';
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '}' || c === ']') depth++;
    else if (c === '{' || c === '[') {
      if (depth === 0) return c === open ? { ...lineCol(text, i), what: `the ${open} that opens here has no closing ${flow[2]}` } : undefined;
      depth--;
    }
  }
  return undefined;
}

function parseYaml(text: string, origin: string): unknown {
  // parseDocument collects every error with its position instead of throwing on the first one.
  const doc = YAML.parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const message = first.message.split(' at line ')[0]!.split('\n')[0]!;
    const opened = openedAt(text, first);
    if (opened) throw syntaxError(origin, 'YAML', opened.line, opened.col, `${opened.what} (${message.charAt(0).toLowerCase()}${message.slice(1)})`);
    const pos = first.linePos?.[0];
    throw syntaxError(origin, 'YAML', pos?.line, pos?.col, message);
  }
  return doc.toJS();
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    if (at) {
      const before = text.slice(0, Number(at[1])).split('\n');
      throw syntaxError(origin, 'JSON', before.length, before[before.length - 1]!.length + 1, message.replace(/ in JSON at position.*$/, ''));
    }
    // V8 does not always say where; YAML (a superset of JSON) usually can.
    const doc = YAML.parseDocument(text);
    const pos = doc.errors[0]?.linePos?.[0];
    throw syntaxError(origin, 'JSON', pos?.line, pos?.col, message.split('\n')[0]!);
  }
}

/** Parse a YAML or JSON document (YAML by default: every JSON document is also YAML, but JSON's own
 * parser gives JSON's error messages). */
export function parseDataText(text: string, origin: string, format: TextFormat = 'yaml'): unknown {
  return format === 'json' ? parseJson(text, origin) : parseYaml(text, origin);
}

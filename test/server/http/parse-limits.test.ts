// The pre-parse scans: exact on JSON (compared with counts taken from the parsed tree), an upper
// bound on YAML (compared with the yaml library's own tree), and every shipped example passes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { JSON_BODY_LIMITS, SCENARIO_TEXT_LIMITS, scanJson, scanYaml } from '../../../src/server/http/parse-limits.js';

/** Keys and depth of a parsed tree: the reference the scans are checked against. */
function measure(v: unknown): { keys: number; depth: number } {
  if (v === null || typeof v !== 'object') return { keys: 0, depth: 0 };
  const children = Array.isArray(v) ? v : Object.values(v);
  let keys = Array.isArray(v) ? 0 : children.length;
  let depth = 0;
  for (const c of children) {
    const m = measure(c);
    keys += m.keys;
    depth = Math.max(depth, m.depth);
  }
  return { keys, depth: depth + 1 };
}

const loose = { maxChars: Infinity, maxKeys: 0, maxDepth: 0, maxAliases: Infinity };
const counted = (issues: { message: string }[], what: RegExp) => Number(issues.map((i) => what.exec(i.message)?.[1]).find((x) => x !== undefined) ?? 0);

describe('parse limits', () => {
  it('JSON: keys and depth equal those of the parsed tree', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        const ref = measure(v);
        const issues = scanJson(text, '', loose);
        assert.equal(counted(issues, /counted (\d+)/), ref.keys, text);
        assert.equal(counted(issues, /reached (\d+)/), ref.depth, text);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('YAML: keys and depth bound those of the parsed tree from above', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), (v, block) => {
        if (v === null || typeof v !== 'object') return;
        // Block style written by the yaml library itself, or flow style (JSON).
        const text = block ? stringifyYaml(v) : JSON.stringify(v, null, 1);
        const ref = measure(parseYaml(text));
        const issues = scanYaml(text, 'scenario', loose);
        assert.ok(counted(issues, /counted (\d+)/) >= ref.keys, text);
        assert.ok(counted(issues, /reached (\d+)/) >= ref.depth, text);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('YAML block style: nesting by indentation and by compact `- ` is counted', () => {
    const text = 'a:\n  b:\n    c:\n      - - - x\n';
    assert.equal(measure(parseYaml(text)).depth, 6);
    assert.equal(counted(scanYaml(text, 's', loose), /reached (\d+)/), 7, 'three indents, three compact sequences, one more for the leaf line');
  });

  it('every example scenario is well inside the limits', () => {
    const dir = join(process.cwd(), 'examples');
    for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
      assert.deepEqual(scanYaml(readFileSync(join(dir, f), 'utf8'), f), [], f);
    }
  });

  it('names the limit that is exceeded', () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    assert.match(scanJson(deep)[0]!.message, /deeper than 32 levels/);
    assert.match(scanYaml(deep, 'scenario')[0]!.message, /is 100000 characters long; the limit is 32768/);
    assert.match(scanYaml('a: &x [1]\nb: [*x, *x, *x]', 's', { ...SCENARIO_TEXT_LIMITS, maxAliases: 2 })[0]!.message, /3 aliases; the limit is 2/);
    assert.match(scanJson(`{${Array.from({ length: 2_001 }, (_, i) => `"k${i}":1`).join(',')}}`)[0]!.message, new RegExp(`more than ${JSON_BODY_LIMITS.maxKeys} keys`));
  });
});

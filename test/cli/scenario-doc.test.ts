// Every YAML scenario in docs/scenario-file.md parses (and a concrete one simulates); the
// documented bad.yaml fails with exactly the message the page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { InputError } from '../../src/common/errors.js';
import { evaluateScenario } from '../../src/engine/evaluate.js';
import { isAutoPlan, parseScenario } from '../../src/engine/scenario.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'scenario-file.md'), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^model:/m.test(b));
// `system: { file: … }` is relative to the scenario; the documented files live in examples/.
const loadSystemFile = (path: string) => YAML.parse(readFileSync(join(root, 'examples', path), 'utf8')) as unknown;

test('the page has scenario examples of every system form and plan form', () => {
  assert.ok(yamlBlocks.length >= 8, `only ${yamlBlocks.length} scenario blocks`);
  for (const form of ['preset:', 'file:', 'tiers:', 'auto', 'training:', 'prices:', 'efficiency:']) {
    assert.ok(yamlBlocks.some((b) => b.includes(form)), `no example uses ${form}`);
  }
});

for (const [i, block] of yamlBlocks.entries()) {
  const bad = block.startsWith('# bad.yaml');
  test(`scenario-file.md example ${i + 1} ${bad ? 'fails as documented' : 'parses'}`, () => {
    const raw = YAML.parse(block) as unknown;
    if (bad) {
      const documented = /```text\n\$ opendojo simulate bad\.yaml\n([\s\S]*?)```/.exec(doc)![1]!.trim();
      assert.throws(() => parseScenario(raw, 'bad.yaml'), (e: unknown) => e instanceof InputError && e.message.trim() === documented);
      return;
    }
    const s = parseScenario(raw, `example ${i + 1}`, { loadSystemFile });
    if (!isAutoPlan(s.plan)) {
      const r = evaluateScenario(s);
      assert.ok(r.stepTimeSeconds > 0 && r.mfu > 0 && r.mfu < 1, `example ${i + 1}: step ${r.stepTimeSeconds} s, MFU ${r.mfu}`);
    }
  });
}

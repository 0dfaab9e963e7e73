// Every YAML example in docs/system-spec.md is checked: specs must validate, scenarios must parse
// and simulate; the documented error example must match what the validator says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseSystemSpec } from '../../src/specs/registry.js';
import { parseScenario } from '../../src/engine/scenario.js';
import { evaluateScenario } from '../../src/engine/evaluate.js';
import { InputError } from '../../src/common/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${root}docs/system-spec.md`, 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1]!) as Record<string, unknown>);

test('the doc has spec and scenario examples', () => {
  assert.ok(blocks.filter((b) => 'device' in b).length >= 1);
  assert.ok(blocks.filter((b) => 'model' in b).length >= 2);
});

for (const [i, block] of blocks.entries()) {
  if ('device' in block) {
    test(`system-spec.md example ${i + 1} validates as a system spec`, () => {
      assert.equal(parseSystemSpec(block, `example ${i + 1}`).name, block.name);
    });
  } else if ('model' in block) {
    test(`system-spec.md example ${i + 1} parses and simulates as a scenario`, () => {
      const spec = blocks.find((b) => 'device' in b);
      const s = parseScenario(block, `example ${i + 1}`, { loadSystemFile: () => spec });
      const r = evaluateScenario(s);
      assert.ok(r.stepTimeSeconds > 0 && r.mfu > 0 && r.mfu < 1);
    });
  }
}

test('the documented error example is what the validator reports', () => {
  const spec = structuredClone(blocks.find((b) => 'device' in b)!) as { device: Record<string, unknown>; tiers: { efficiencyCurve: number[][] }[] };
  spec.device.memoryGB = 'lots';
  spec.tiers[0]!.efficiencyCurve = [[2, 0.5], [1, 0.6]];
  try {
    parseSystemSpec(spec, 'my-system.yaml');
    assert.fail('should not validate');
  } catch (e) {
    assert.ok(e instanceof InputError);
    const documented = doc.match(/```text\n([\s\S]*?)```/)![1]!.trim();
    assert.equal(e.message.trim(), documented);
  }
});

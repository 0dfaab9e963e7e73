// The YAML scenarios in docs/dojo-model.md and docs/claims.md parse and their overrides apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseScenario } from '../../src/engine/scenario.js';
import { getSystemPreset } from '../../src/specs/registry.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the dojo-model.md override example rebuilds the ExaPod with the overridden assumptions', () => {
  const doc = readFileSync(`${root}docs/dojo-model.md`, 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1]!) as Record<string, unknown>);
  assert.ok(blocks.length >= 1);
  for (const b of blocks) {
    const s = parseScenario(b, 'dojo-model.md');
    const preset = getSystemPreset('dojo-exapod');
    // 30 DIPs per tray instead of 20: 1.5× the HBM per tile; per-direction edges doubled.
    assert.equal(s.system.spec.device.memoryGB, preset.device.memoryGB * 1.5);
    assert.equal(s.system.spec.tiers[0]!.bandwidthGBpsPerDirection, preset.tiers[0]!.bandwidthGBpsPerDirection * 2);
  }
});

test('every console example in the Dojo docs names an existing command and example file', () => {
  for (const page of ['docs/dojo-model.md', 'docs/claims.md']) {
    const doc = readFileSync(`${root}${page}`, 'utf8');
    for (const m of doc.matchAll(/^\$ opendojo (\S+)(.*)$/gm)) {
      assert.ok(['claims', 'sweep', 'simulate', 'plan', 'compare', 'validate', 'systems', 'models'].includes(m[1]!), `${page}: ${m[0]}`);
      for (const file of m[2]!.match(/examples\/\S+/g) ?? []) assert.doesNotThrow(() => readFileSync(`${root}${file}`), `${page}: ${file}`);
    }
  }
});

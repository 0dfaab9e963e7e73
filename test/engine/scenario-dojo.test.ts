// `system: { preset, dojo: {…} }` rebuilds a Dojo preset at its level with the user's assumption
// overrides. The level is the spec's `dojoLevel` field, not parsed from the preset's name: a
// Dojo preset registered under another name rebuilds exactly as the built-in one of its level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { parseScenario } from '../../src/engine/scenario.js';
import { getSystemPreset, listSystemPresets, registerSystemPreset } from '../../src/specs/registry.js';
import { ensureBuiltins } from '../../src/engine/builtins.js';
import { GPT3 } from '../helpers.js';

ensureBuiltins();

const onSystem = (system: Record<string, unknown>) => parseScenario({ model: GPT3, system, plan: 'auto' }, 'test scenario').system;

test('a Dojo preset under another name takes overrides at the level its dojoLevel names', () => {
  registerSystemPreset({ ...getSystemPreset('dojo-tray'), name: 'lab-tray' });
  const overrides = { dipsPerTray: 30 };
  const renamed = onSystem({ preset: 'lab-tray', dojo: overrides });
  const builtIn = onSystem({ preset: 'dojo-tray', dojo: overrides });
  assert.deepEqual(renamed.spec, builtIn.spec, 'the same rebuild as the built-in tray');
  assert.notDeepEqual(builtIn.spec.device, getSystemPreset('dojo-tray').device, 'the override changed the device');
});

test('overrides on a preset without a Dojo level are refused, listing the presets that take them', () => {
  const dojoPresets = listSystemPresets().filter((p) => p.dojoLevel !== undefined).map((p) => p.name);
  assert.ok(dojoPresets.includes('dojo-exapod') && !dojoPresets.includes('dgx-h100-80gb'));
  assert.throws(
    () => onSystem({ preset: 'dgx-h100-80gb', dojo: { dipsPerTray: 30 } }),
    (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'system.dojo' && i.message.includes(dojoPresets.join(', '))),
  );
});

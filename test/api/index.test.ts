// The package's programmatic entry, imported by its name (self-reference through package.json
// `exports`, as a dependent project would): each function is the facade the CLI calls (same
// object, not a copy), and each result agrees with the CLI's output for the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as api from 'opendojo';
import * as evaluate from '../../src/engine/evaluate.js';
import * as search from '../../src/engine/search.js';
import * as calibration from '../../src/engine/calibration.js';
import * as claims from '../../src/engine/claims.js';
import { DEFAULT_CALIBRATION } from '../../src/cli/read-file.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/opendojo.js', ...args, '--json'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

test('package.json main and exports name a built entry that exists, and files only existing folders', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { main: string; exports: Record<string, string>; files: string[] };
  assert.equal(pkg.exports['.'], `./${pkg.main}`);
  for (const target of Object.values(pkg.exports)) assert.doesNotThrow(() => readFileSync(`${root}${target}`), target);
  for (const folder of pkg.files) assert.ok(existsSync(`${root}${folder}`) && statSync(`${root}${folder}`).isDirectory(), `files names ${folder}, which is not a folder`);
});

test('the entry re-exports the facade functions themselves', () => {
  assert.equal(api.evaluateScenario, evaluate.evaluateScenario);
  assert.equal(api.evaluatePlan, evaluate.evaluatePlan);
  assert.equal(api.searchPlans, search.searchPlans);
  assert.equal(api.runCalibration, calibration.runCalibration);
  assert.equal(api.evaluateClaims, claims.evaluateClaims);
});

test('a scenario loaded from YAML text evaluates to what `opendojo simulate --json` prints', () => {
  const file = 'examples/gpt3-175b-a100.yaml';
  const fromText = api.evaluateScenario(api.loadScenario(readFileSync(`${root}${file}`, 'utf8'), { origin: file }));
  const printed = cli('simulate', file) as { stepTimeSeconds: number; mfu: number; peakMemoryBytesPerDevice: number };
  assert.equal(fromText.stepTimeSeconds, printed.stepTimeSeconds);
  assert.equal(fromText.mfu, printed.mfu);
  assert.equal(fromText.peakMemoryBytesPerDevice, printed.peakMemoryBytesPerDevice);
});

test('an object and its YAML text load to the same scenario; bad input throws an InputError naming the key', () => {
  const doc = { model: { preset: 'gpt3-1.7b' }, system: { preset: 'dgx-a100-80gb', gpus: 32 }, plan: { tp: 1, pp: 1, dp: 32, microBatch: 4, globalBatch: 512 } };
  const text = 'model: { preset: gpt3-1.7b }\nsystem: { preset: dgx-a100-80gb, gpus: 32 }\nplan: { tp: 1, pp: 1, dp: 32, microBatch: 4, globalBatch: 512 }\n';
  assert.equal(api.evaluateScenario(api.loadScenario(doc)).stepTimeSeconds, api.evaluateScenario(api.loadScenario(text)).stepTimeSeconds);
  assert.throws(() => api.loadScenario({ ...doc, plan: { ...doc.plan, tp: 0 } }, { origin: 'mine' }), (e: unknown) => e instanceof api.InputError && e.origin === 'mine' && e.issues.some((i) => i.path === 'plan.tp'));
});

test('searchPlans ranks the same best plan as `opendojo plan --workers 1`', () => {
  const file = 'examples/dojo-tray-gpt.yaml';
  const s = api.loadScenario(readFileSync(`${root}${file}`, 'utf8'), { origin: file });
  const mine = api.searchPlans(s, { top: 1 });
  const printed = cli('plan', file, '--workers', '1', '--top', '1') as { evaluated: number; best: { stepTimeSeconds: number; plan: unknown }[] };
  assert.equal(mine.evaluated, printed.evaluated);
  assert.deepEqual(mine.best[0]!.plan, printed.best[0]!.plan);
  assert.equal(mine.best[0]!.stepTimeSeconds, printed.best[0]!.stepTimeSeconds);
});

test('presets are those `opendojo systems` and `opendojo models` list', () => {
  const systems = cli('systems') as { systems: { name: string }[] };
  const models = cli('models') as { models: { name: string }[] };
  assert.deepEqual(api.systemPresets().map((s) => s.name), systems.systems.map((s) => s.name));
  assert.deepEqual(api.modelPresets().map((m) => m.name), models.models.map((m) => m.name));
});

test('the shipped calibration set (opendojo/calibration.json) scores as `opendojo validate` does', () => {
  const path = fileURLToPath(import.meta.resolve('opendojo/calibration.json'));
  assert.equal(path, DEFAULT_CALIBRATION);
  const summary = api.runCalibration(JSON.parse(readFileSync(path, 'utf8')));
  const printed = cli('validate') as { target: { meanAbsError: number; count: number } };
  assert.equal(summary.target.count, printed.target.count);
  assert.equal(summary.target.meanAbsError, printed.target.meanAbsError);
});

// Long searches on a pipe: periodic progress lines on stderr (not only a terminal bar), and
// `plan --max-seconds` stops the search and ranks the plans examined so far, saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseScenario } from '../../src/engine/scenario.js';
import { enumerateScenarioPlans, evaluateCandidates } from '../../src/engine/search.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const file = 'examples/llama3-70b-h100-auto.yaml';
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/opendojo.js', 'plan', file, ...args], { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, OPENDOJO_PROGRESS_SECONDS: '0.05' } });

interface PlanJson { candidates: number; examined: number; evaluated: number; cutShort: boolean; elapsedSeconds: number; best: { plan: unknown; stepTimeSeconds: number; fits: boolean }[] }

test('plan --max-seconds returns the best of the candidates examined in time, says it was cut short, and prints progress lines on a pipe', () => {
  // 0.4 s is a fraction of the full single-thread search (1.2 s on a quiet 2-core machine), so the cut is certain.
  const r = run('--max-seconds', '0.4', '--workers', '1', '--top', '3', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as PlanJson;
  assert.equal(out.cutShort, true);
  assert.ok(out.examined > 0 && out.examined < out.candidates, `examined ${out.examined} of ${out.candidates}`);
  assert.match(r.stderr, /^search cut short by --max-seconds: [\d]+ of \d+ candidates examined;/m);
  assert.match(r.stderr, /^searching plans: [\d,]+\/[\d,]+ \(\d+%\) after \d+ s$/m, 'a progress line, although stderr is a pipe');
  // Reference: in-process, one thread examines candidates in enumeration order, so the ranking
  // must be exactly that of the first `examined` candidates.
  const s = parseScenario(YAML.parse(readFileSync(`${root}${file}`, 'utf8')), file);
  const reference = evaluateCandidates(s, enumerateScenarioPlans(s).plans.slice(0, out.examined), { top: 3 });
  assert.equal(out.evaluated, reference.evaluated);
  assert.deepEqual(out.best.map((b) => b.plan), reference.best.map((b) => b.plan));
  assert.ok(out.best.every((b) => b.fits));
});

test('plan --max-seconds with worker threads still returns plans that fit', () => {
  const r = run('--max-seconds', '0.4', '--workers', '2', '--top', '1', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as PlanJson;
  assert.ok(out.best.length === 1 && out.best[0]!.fits);
  assert.ok(out.examined <= out.candidates);
  assert.equal(out.cutShort, out.examined < out.candidates);
});

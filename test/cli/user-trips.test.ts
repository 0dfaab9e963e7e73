// What a user trips over (issue 8, part 7), each checked end to end through the CLI: plans over
// memory are reported as such but never recommended, systems without a price say so and are not
// ranked by cost, and `compare --system` takes a spec file as well as a preset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opendojo-trips-'));
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/opendojo.js', ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 });
const json = <T>(...args: string[]): T => {
  const r = cli(...args, '--json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};
interface Report { stepTimeSeconds: number; fits: boolean; notes: string[]; plan: Record<string, unknown>; peakMemoryBytesPerDevice: number; memory: { capacityBytes: number } }

// GPT-3 175B's own example with 16-sequence micro-batches and no recompute: 176 GB per A100.
const overMemory = join(dir, 'over-memory.yaml');
writeFileSync(overMemory, readFileSync(join(root, 'examples/gpt3-175b-a100.yaml'), 'utf8').replace('microBatch: 1', 'microBatch: 16').replace('recompute: selective', 'recompute: none'));
const unpriced = 'examples/llama2-7b-my-cluster.yaml';

test('a plan over memory: "DOES NOT FIT" on the first line, fits false in JSON, exit status 0', () => {
  const text = cli('simulate', overMemory);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout.split('\n')[0]!, /^DOES NOT FIT: 176 GB per device needed, 80\.0 GB available/);
  const r = json<Report>('simulate', overMemory);
  assert.equal(r.fits, false);
  assert.ok(r.peakMemoryBytesPerDevice > r.memory.capacityBytes);
});

test('compare never shows a plan over memory: it searches the best plan that fits and says why', () => {
  const c = json<{ rows: { planSource: string; report: Report; note?: string }[] }>('compare', overMemory, '--system', 'dgx-h100-80gb', '--workers', '1');
  for (const row of c.rows) {
    assert.equal(row.planSource, 'searched');
    assert.equal(row.report.fits, true);
    assert.match(row.note ?? '', /the scenario's plan does not fit in memory here/);
  }
  // The searched row is the plan `opendojo plan` ranks first for the same scenario.
  const p = json<{ best: Report[] }>('plan', overMemory, '--top', '3', '--workers', '1');
  assert.ok(p.best.every((r) => r.fits));
  assert.deepEqual(c.rows[0]!.report.plan, p.best[0]!.plan);
});

test('a system without a price: "no price for system X" in simulate and compare, and plan --objective cost refuses', () => {
  const r = json<Report>('simulate', unpriced);
  assert.ok(r.notes.some((n) => n.startsWith('no price for system my-a100-4gpu-cluster')), r.notes.join('\n'));
  const c = json<{ rows: { system: string; note?: string }[] }>('compare', unpriced, '--system', 'dgx-a100-80gb:16');
  assert.match(c.rows[0]!.note ?? '', /no price for system my-a100-4gpu-cluster/);
  assert.equal(c.rows[1]!.note, undefined, 'a priced preset gets no such note');
  const refused = cli('plan', unpriced, '--objective', 'cost');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /prices.systems: no price for system my-a100-4gpu-cluster, so plans cannot be ranked by cost/);
  assert.equal(refused.stdout, '', 'no ranking is printed');
  assert.equal(cli('plan', unpriced, '--objective', 'time', '--top', '1').status, 0);
});

test('compare --system takes a spec file (with a count) and matches simulating that system directly', () => {
  const c = json<{ rows: { system: string; devices: number; report: Report }[] }>('compare', 'examples/gpt3-175b-a100.yaml', '--system', 'examples/my-cluster.yaml:1024');
  const direct = json<Report>('simulate', 'examples/gpt3-175b-a100.yaml');
  assert.equal(c.rows[0]!.report.stepTimeSeconds, direct.stepTimeSeconds);
  const mine = c.rows[1]!;
  assert.equal(mine.system, 'my-a100-4gpu-cluster');
  assert.equal(mine.devices, 1024);
  // The reference: the same scenario written with `system: { file: my-cluster.yaml, gpus: 1024 }`.
  copyFileSync(join(root, 'examples/my-cluster.yaml'), join(dir, 'my-cluster.yaml'));
  const viaScenario = join(dir, 'gpt3-on-my-cluster.yaml');
  writeFileSync(viaScenario, readFileSync(join(root, 'examples/gpt3-175b-a100.yaml'), 'utf8').replace('system: { preset: dgx-a100-80gb, gpus: 1024 }', 'system: { file: my-cluster.yaml, gpus: 1024 }'));
  assert.equal(mine.report.stepTimeSeconds, json<Report>('simulate', viaScenario).stepTimeSeconds);
  const bad = cli('compare', 'examples/gpt3-175b-a100.yaml', '--system', 'examples/nope.yaml');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /examples\/nope\.yaml: no such file/);
});

test("npm start's comparison says in its header what differs between the rows; a like-for-like one says nothing", () => {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const args = start.split(/\s+/).slice(2); // node bin/opendojo.js …
  const r = cli(...args, '--workers', '1');
  assert.equal(r.status, 0, r.stderr);
  const [, header, , columns] = r.stdout.split('\n');
  assert.match(header!, /^Not like for like: the rows differ in devices \(1,024 vs 120\) and global batch \(1,536 vs [\d,]+\)/);
  assert.match(columns!, /\bdevices\s+batch\b/);
  const same = cli('compare', 'examples/gpt3-175b-a100.yaml', '--system', 'dgx-h100-80gb');
  assert.equal(same.status, 0, same.stderr);
  assert.doesNotMatch(same.stdout, /Not like for like/);
});

test('memory and sizes are decimal GB everywhere in CLI output (no GiB/MiB/KiB)', () => {
  for (const args of [['systems', 'dgx-a100-80gb'], ['systems', 'dojo-exapod'], ['simulate', 'examples/gpt3-175b-a100.yaml'], ['validate']]) {
    const r = cli(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout.replace(/\S*-\d+[GMK]iB\S*/g, '') /* calibration row ids name NCCL message sizes */, /\b\d[\d.,]*\s?[GMK]iB\b/, `${args.join(' ')} prints binary units`);
  }
});

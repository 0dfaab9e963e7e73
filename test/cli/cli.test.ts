// End-to-end checks of the `opendojo` binary: the JSON contract of each command, every example
// scenario, parallel vs in-process search, and bad input that must exit 2 with a message naming
// the file and the key (never a stack trace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync('node', ['bin/opendojo.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T = Record<string, unknown>>(...args: string[]): T {
  const r = cli(...args, '--json');
  assert.equal(r.status, 0, `opendojo ${args.join(' ')} --json exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Report {
  stepTimeSeconds: number;
  tokensPerSecond?: number;
  samplesPerSecond: number;
  mfu: number;
  peakMemoryBytesPerDevice: number;
  fits: boolean;
  plan: Record<string, unknown>;
}

test('simulate --json: the report contract on GPT-3 175B / 1,024 A100s', () => {
  const r = json<Report & { scenario: string; planSource: string }>('simulate', 'examples/gpt3-175b-a100.yaml');
  for (const key of ['scenario', 'stepTimeSeconds', 'tokensPerSecond', 'samplesPerSecond', 'mfu', 'peakMemoryBytesPerDevice', 'fits', 'plan']) {
    assert.ok(key in r, `missing ${key}`);
  }
  assert.equal(r.scenario, 'GPT-3 175B on 1024x A100-80GB');
  assert.equal(r.planSource, 'scenario');
  assert.ok(r.mfu > 0 && r.mfu < 1, `mfu ${r.mfu}`);
  assert.equal(r.fits, true);
  assert.ok(r.stepTimeSeconds > 0);
  assert.ok(Math.abs(r.tokensPerSecond! / (r.samplesPerSecond * 2048) - 1) < 1e-9, 'tokens/s = samples/s × seqLen');
  assert.ok(r.peakMemoryBytesPerDevice > 0 && r.peakMemoryBytesPerDevice <= 80e9);
  assert.deepEqual([r.plan.tp, r.plan.pp, r.plan.dp], [8, 8, 16]);
});

test('simulate: human report has every section', () => {
  const r = cli('simulate', 'examples/gpt3-175b-a100.yaml');
  assert.equal(r.status, 0, r.stderr);
  for (const s of ['step time', 'tokens/s', 'MFU', 'HFU', 'Step time breakdown', 'Memory per device', 'fits', 'IT power', 'facility power', 'cost per 1M tokens', 'Training run', 'wall clock', 'MWh']) {
    assert.ok(r.stdout.includes(s), `no "${s}" in the report`);
  }
});

const scenarios = readdirSync(join(root, 'examples')).filter((f) => /\.(ya?ml|json)$/.test(f) && /^model:/m.test(readFileSync(join(root, 'examples', f), 'utf8')));

test('examples/ holds scenarios', () => assert.ok(scenarios.length >= 5, scenarios.join(', ')));

for (const file of scenarios) {
  test(`simulate examples/${file} exits 0`, () => {
    const r = cli('simulate', `examples/${file}`, '--workers', '1');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(/step time/.test(r.stdout));
  });
}

test('simulate on a plan: auto scenario reports the searched best plan', () => {
  const r = json<Report & { planSource: string }>('simulate', 'examples/gpt3-175b-auto.yaml', '--workers', '1');
  assert.equal(r.planSource, 'searched');
  assert.equal(r.fits, true);
});

interface PlanJson {
  candidates: number;
  prunedDivisibility: number;
  prunedMemory: number;
  evaluated: number;
  elapsedSeconds: number;
  workers: number;
  best: Report[];
}

test('plan --workers 2: sorted best plans, no worse than the paper plan, same as in-process', () => {
  const two = json<PlanJson>('plan', 'examples/gpt3-175b-auto.yaml', '--workers', '2');
  assert.ok(two.candidates > 0 && two.evaluated > 0);
  assert.equal(two.workers, 2);
  assert.equal(two.candidates, two.prunedMemory + two.evaluated);
  assert.equal(two.best.length, 5);
  for (let i = 1; i < two.best.length; i++) assert.ok(two.best[i - 1]!.stepTimeSeconds <= two.best[i]!.stepTimeSeconds, 'best is sorted by step time');
  // Same model, system and global batch as the fixed tp8·pp8·dp16 plan: the search includes it.
  const fixed = json<Report>('simulate', 'examples/gpt3-175b-a100.yaml');
  assert.ok(two.best[0]!.stepTimeSeconds <= fixed.stepTimeSeconds);
  // Worker threads must find exactly what the in-process search finds.
  const one = json<PlanJson>('plan', 'examples/gpt3-175b-auto.yaml', '--workers', '1');
  assert.deepEqual(
    one.best.map((b) => b.stepTimeSeconds),
    two.best.map((b) => b.stepTimeSeconds),
  );
  assert.deepEqual([one.candidates, one.prunedDivisibility, one.prunedMemory, one.evaluated], [two.candidates, two.prunedDivisibility, two.prunedMemory, two.evaluated]);
});

test('plan: summary line on stderr, table and best report on stdout', () => {
  const r = cli('plan', 'examples/resnet50-a100.yaml', '--top', '3', '--workers', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\d+ candidates, \d+ pruned by divisibility, \d+ pruned by memory, \d+ evaluated in [\d.]+ s on 1 worker/);
  assert.ok(r.stdout.includes('samples/s') && r.stdout.includes('Best plan'));
});

test('compare with --system dgx-h100-80gb --system dojo-exapod', () => {
  const c = json<{ rows: { system: string; devices: number; planSource: string; report: Report | null }[] }>('compare', 'examples/gpt3-175b-a100.yaml', '--system', 'dgx-h100-80gb', '--system', 'dojo-exapod');
  assert.deepEqual(
    c.rows.map((r) => [r.system, r.devices, r.planSource]),
    [
      ['dgx-a100-80gb', 1024, 'scenario'],
      ['dgx-h100-80gb', 1024, 'scenario'],
      ['dojo-exapod', 120, 'searched'],
    ],
  );
  for (const row of c.rows) assert.ok(row.report && row.report.stepTimeSeconds > 0 && row.report.fits, `${row.system} has a fitting report`);
  assert.ok(c.rows[1]!.report!.stepTimeSeconds < c.rows[0]!.report!.stepTimeSeconds, 'H100 is faster than A100 on the same plan');
  const text = cli('compare', 'examples/gpt3-175b-a100.yaml', '--system', 'dgx-h100-80gb', '--system', 'dojo-exapod');
  assert.equal(text.status, 0, text.stderr);
  assert.ok(text.stdout.includes('maximum of 120'), 'says the device count was capped');
});

const SYSTEMS = ['dgx-a100-40gb', 'dgx-a100-80gb', 'dgx-h100-80gb', 'dgx-h200', 'dojo-tile', 'dojo-tray', 'dojo-cabinet', 'dojo-exapod'];
const MODELS = ['gpt3-175b', 'llama2-70b', 'resnet50'];

test('systems lists every preset (text and JSON); --sources and NAME work', () => {
  const list = json<{ systems: { name: string; sources?: Record<string, string> }[] }>('systems', '--sources');
  for (const name of SYSTEMS) assert.ok(list.systems.some((s) => s.name === name), `no ${name}`);
  assert.ok(list.systems.every((s) => s.sources && Object.keys(s.sources).length > 0));
  const text = cli('systems');
  assert.equal(text.status, 0);
  for (const name of SYSTEMS) assert.ok(text.stdout.includes(name));
  const one = json<{ system: { name: string }; dojoHierarchy?: { tiles: number } }>('systems', 'dojo-exapod');
  assert.equal(one.system.name, 'dojo-exapod');
  assert.equal(one.dojoHierarchy?.tiles, 120);
});

test('models lists every preset with parameters computed from the graph', () => {
  const m = json<{ models: { name: string; paramsB: number }[] }>('models');
  for (const name of MODELS) assert.ok(m.models.some((x) => x.name === name), `no ${name}`);
  const gpt3 = m.models.find((x) => x.name === 'gpt3-175b')!;
  assert.ok(Math.abs(gpt3.paramsB / 175 - 1) < 0.02, `gpt3-175b has ${gpt3.paramsB}B parameters`);
  const text = cli('models');
  for (const name of MODELS) assert.ok(text.stdout.includes(name));
});

test('validate: a report (exit 0); --strict exit code follows PASS/FAIL', () => {
  const v = json<{ pass: boolean; rows: unknown[]; target: { count: number; meanAbsError: number } }>('validate');
  assert.ok(v.rows.length > 0 && v.target.count > 0);
  assert.equal(v.pass, v.target.meanAbsError <= 0.03);
  const text = cli('validate');
  assert.equal(text.status, 0);
  assert.match(text.stdout, /PASS|FAIL/);
  assert.equal(cli('validate', '--strict').status, v.pass ? 0 : 1);
});

test('every command has --help with examples', () => {
  for (const cmd of ['simulate', 'plan', 'compare', 'validate', 'systems', 'models']) {
    const r = cli(cmd, '--help');
    assert.equal(r.status, 0, `${cmd} --help`);
    assert.ok(r.stdout.includes('Examples:') && r.stdout.includes('$ opendojo'), `${cmd} --help has examples`);
  }
});

// Bad input: exit 2, stderr names the file and the key, no stack trace.
const dir = mkdtempSync(join(tmpdir(), 'opendojo-cli-'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const GPT3 = 'model: { preset: gpt3-175b }\nsystem: { preset: dgx-a100-80gb, gpus: 1024 }\n';
const clusterYaml = readFileSync(join(root, 'examples', 'my-cluster.yaml'), 'utf8');

function assertBad(args: string[], mentions: string[]) {
  const r = cli(...args);
  assert.equal(r.status, 2, `exit code for ${args.join(' ')}; stderr: ${r.stderr}`);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `stderr should mention ${JSON.stringify(m)}:\n${r.stderr}`);
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(r.stderr), `stack trace printed:\n${r.stderr}`);
  assert.equal(r.stdout, '');
}

const badScenarios: [string, string, string[]][] = [
  ['unknown top-level key', `${GPT3}plan: { tp: 8, pp: 8, globalBatch: 1536 }\ncolour: blue\n`, ['colour', 'allowed']],
  ['tp not dividing heads', `${GPT3}plan: { tp: 7, pp: 8, globalBatch: 1536 }\n`, ['plan.tp', 'must divide 96']],
  ['recompute not an option', `${GPT3}plan: { tp: 8, pp: 8, globalBatch: 1536, recompute: sometimes }\n`, ['plan.recompute', 'none', 'selective', 'full']],
  ['unknown system preset', 'model: { preset: gpt3-175b }\nsystem: { preset: dgx-z100, gpus: 1024 }\nplan: { tp: 8, globalBatch: 1536 }\n', ['system.preset', 'dgx-z100', 'dgx-h100-80gb', 'dojo-exapod']],
  ['negative layers', 'model: { kind: transformer, layers: -3, hidden: 4096, heads: 32, seqLen: 2048, vocab: 51200 }\nsystem: { preset: dgx-a100-80gb, gpus: 64 }\nplan: { tp: 8, globalBatch: 64 }\n', ['model.layers']],
  ['tp·pp·dp ≠ gpus', `${GPT3}plan: { tp: 8, pp: 8, dp: 8, globalBatch: 1536 }\n`, ['plan.dp', '1024']],
  ['YAML syntax error', 'model: { preset: gpt3-175b }\nsystem: { preset: dgx-a100-80gb, gpus: 1024\nplan: { tp: 8 }\n', ['line 2, column 9', 'no closing }']],
  ['typo inside plan', `${GPT3}plan: { tp: 8, pp: 8, microbatch: 1, globalBatch: 1536 }\n`, ['plan.microbatch', 'did you mean "microBatch"', 'allowed: tp, cp, pp, dp']],
  ['typo inside a model preset', 'model: { preset: gpt3-175b, seqlen: 4096 }\nsystem: { preset: dgx-a100-80gb, gpus: 1024 }\nplan: auto\n', ['model.seqlen', 'did you mean "seqLen"', 'allowed: kind, name, layers']],
  ['unknown key with nothing near it', `${GPT3}plan: { tp: 8, pp: 8, globalBatch: 1536, colour: blue }\n`, ['plan.colour: unknown key; allowed:']],
];

for (const [what, text, mentions] of badScenarios) {
  test(`bad input, ${what}: exit 2 naming the file and key`, () => {
    const file = write(`${what.replace(/\W+/g, '-')}.yaml`, text);
    assertBad(['simulate', file], [file, ...mentions]);
  });
}

test('bad input, missing file: "FILE: no such file", exit 2', () => {
  const file = join(dir, 'nope.yaml');
  assertBad(['simulate', file], [`${file}: no such file`]);
  assertBad(['plan', file], ['no such file']);
});

test('bad input, system file with a bad value: names the system file and device.memoryGB', () => {
  const sys = write('lots-cluster.yaml', clusterYaml.replace('memoryGB: 80', 'memoryGB: "lots"'));
  const file = write('uses-lots.yaml', 'model: { preset: llama2-7b }\nsystem: { file: lots-cluster.yaml, gpus: 16 }\nplan: { tp: 2, globalBatch: 256 }\n');
  assertBad(['simulate', file], ['lots-cluster.yaml', 'device.memoryGB']);
  assert.ok(sys.endsWith('lots-cluster.yaml'));
});

test('bad input, efficiency curve out of order: names the file and the curve', () => {
  write('unsorted-cluster.yaml', clusterYaml.replace('[[1048576, 0.2], [67108864, 0.6]', '[[67108864, 0.6], [1048576, 0.2]'));
  const file = write('uses-unsorted.yaml', 'model: { preset: llama2-7b }\nsystem: { file: unsorted-cluster.yaml, gpus: 16 }\nplan: { tp: 2, globalBatch: 256 }\n');
  assertBad(['simulate', file], ['unsorted-cluster.yaml', 'tiers.0.efficiencyCurve', 'increasing']);
});

test('bad input, inline system with an unsorted curve: names the scenario and system.tiers', () => {
  const file = write('inline-unsorted.yaml', `model: { preset: llama2-7b }\nsystem: { gpus: 16, ${JSON.stringify({ name: 'x', device: { name: 'd', peakTflops: { bf16: 100 }, matmulEfficiencyMax: { bf16: 0.8 }, memoryGB: 80, memoryBandwidthGBps: 2000, memoryEfficiency: 0.9, tdpW: 400, idlePowerW: 50 }, devicesPerNode: 8, defaultDevices: 8, tiers: [{ name: 't', bandwidthGBpsPerDirection: 100, latencyUs: 1, efficiencyCurve: [[2e6, 0.5], [1e6, 0.4]] }], nodeOtherPowerW: 100 }).slice(1, -1)} }\nplan: { tp: 2, globalBatch: 256 }\n`);
  assertBad(['simulate', file], [file, 'system.tiers.0.efficiencyCurve']);
});

test('bad command line: unknown command, unknown option, bad values exit 2', () => {
  assertBad(['frobnicate'], ['unknown command']);
  assertBad(['simulate', 'examples/gpt3-175b-a100.yaml', '--fast'], ['unknown option']);
  assertBad(['plan', 'examples/gpt3-175b-auto.yaml', '--top', 'x'], ['--top']);
  assertBad(['plan', 'examples/gpt3-175b-auto.yaml', '--objective', 'speed'], ['time', 'cost']);
  assertBad(['compare', 'examples/gpt3-175b-a100.yaml', '--system', 'dgx-z100'], ['--system', 'dgx-z100', 'dojo-exapod']);
  assertBad(['compare', 'examples/gpt3-175b-a100.yaml', '--system', 'dojo-tray:7'], ['--system', 'at most 6']);
  assertBad(['systems', 'dgx-z100'], ['dgx-z100', 'allowed']);
  assertBad(['validate', '--calibration', join(dir, 'none.json')], ['no such file']);
});

// Speed benchmarks for the targets, reported as medians (machines are shared and noisy):
//  1. one scenario evaluation, GPT-3 175B on 1,024 A100s (target ≤ 100 µs);
//  2. the whole pruned plan search for GPT-3 175B on 1,024 A100s (target ≤ 10 s on 2 cores),
//     in-process and through `opendojo plan` with 1 and with 2 worker threads, interleaved so
//     both variants see the same machine noise; the ratio is measured within one run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseScenario } from '../src/engine/scenario.js';
import { evaluateScenario } from '../src/engine/evaluate.js';
import { searchPlans } from '../src/engine/search.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const load = (file: string) => parseScenario(YAML.parse(readFileSync(`${root}${file}`, 'utf8')), file);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function benchEvaluation(file: string): { medianUs: number; minUs: number; maxUs: number } {
  const s = load(file);
  for (let i = 0; i < 3000; i++) evaluateScenario(s); // warm up the JIT
  const rounds: number[] = [];
  for (let r = 0; r < 31; r++) {
    const n = 300;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) evaluateScenario(s);
    rounds.push(((performance.now() - t0) / n) * 1000);
  }
  return { medianUs: median(rounds), minUs: Math.min(...rounds), maxUs: Math.max(...rounds) };
}

function cliPlanSeconds(file: string, workers: number): { seconds: number; out: { candidates: number; prunedDivisibility: number; prunedMemory: number; evaluated: number } } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/opendojo.js', 'plan', file, '--json', '--workers', String(workers)], { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`opendojo plan failed: ${r.stderr}`);
  return { seconds, out: JSON.parse(r.stdout) };
}

console.log('OpenDojo benchmarks (medians; machine is shared, expect noise)\n');
for (const file of ['examples/gpt3-175b-a100.yaml', 'examples/llama2-70b-h100.yaml', 'examples/resnet50-a100.yaml']) {
  const e = benchEvaluation(file);
  console.log(`evaluation  ${file.padEnd(34)} median ${e.medianUs.toFixed(1).padStart(6)} µs  (min ${e.minUs.toFixed(1)}, max ${e.maxUs.toFixed(1)}; target ≤ 100 µs for GPT-3 175B)`);
}

const auto = load('examples/gpt3-175b-auto.yaml');
const inProcess: number[] = [];
let counts = { candidates: 0, prunedDivisibility: 0, prunedMemory: 0, evaluated: 0 };
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const res = searchPlans(auto, { top: 5 });
  inProcess.push((performance.now() - t0) / 1000);
  counts = res;
}
console.log(`\nplan search GPT-3 175B / 1024 A100: ${counts.candidates} candidates after ${counts.prunedDivisibility} divisibility prunes; ${counts.prunedMemory} pruned by memory; ${counts.evaluated} timed`);
console.log(`  in-process, 1 thread             median ${median(inProcess).toFixed(3)} s (5 runs)`);

for (const file of ['examples/gpt3-175b-auto.yaml', 'examples/llama3-70b-h100-auto.yaml']) {
  const w1: number[] = [];
  const w2: number[] = [];
  let out = cliPlanSeconds(file, 1).out;
  for (let r = 0; r < 5; r++) {
    w1.push(cliPlanSeconds(file, 1).seconds);
    const two = cliPlanSeconds(file, 2);
    w2.push(two.seconds);
    out = two.out;
  }
  console.log(`\nopendojo plan ${file} (${out.candidates} candidates, ${out.evaluated} timed), whole process, 5 runs interleaved:`);
  console.log(`  --workers 1   median ${median(w1).toFixed(3)} s`);
  console.log(`  --workers 2   median ${median(w2).toFixed(3)} s   (target ≤ 10 s)`);
  console.log(`  ratio 1 worker / 2 workers: ${(median(w1) / median(w2)).toFixed(2)}× (worker start-up ~0.3 s each; threads pay off only for larger spaces)`);
}

// Speed of the event-driven tier against the issue's target: one training step simulated in
// ≤ 2 s for GPT-3 175B on 1,024 A100s and for a model filling a Dojo ExaPod (the best plan the
// search finds for examples/dojo-exapod-gpt3.yaml). Medians of 7 runs after 2 warm-up runs, with
// the differential against the analytical tier (event / analytical − 1) for each scenario.
// A 1T-parameter, 64-stage calibration row (512 micro-batches) is timed as a stress case.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseScenario, type Scenario } from '../src/engine/scenario.js';
import { evaluatePlan, resolveScenarioPlan, simulatePlan } from '../src/engine/evaluate.js';
import { rowScenario, type CalibrationRow } from '../src/engine/calibration.js';
import { searchPlans } from '../src/engine/search.js';
import { isAutoPlan } from '../src/engine/scenario.js';
import type { Plan } from '../src/planner/plan.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const load = (file: string) => parseScenario(YAML.parse(readFileSync(`${root}${file}`, 'utf8')), file);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const TARGET_S = 2;
const WARMUP = 2;
const RUNS = 7;

function planOf(s: Scenario): Plan {
  if (!isAutoPlan(s.plan)) return resolveScenarioPlan(s);
  const best = searchPlans(s, { top: 1 }).best[0];
  if (!best) throw new Error(`${s.origin}: no plan fits`);
  return best.plan;
}

function bench(label: string, s: Scenario, target: boolean): void {
  const plan = planOf(s);
  let result = simulatePlan(s, plan, 'event');
  for (let i = 1; i < WARMUP; i++) result = simulatePlan(s, plan, 'event');
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = simulatePlan(s, plan, 'event');
    times.push((performance.now() - t0) / 1000);
  }
  const analytical = evaluatePlan(s, plan).stepTimeSeconds;
  const event = result.report.stepTimeSeconds;
  const m = median(times);
  const p = plan;
  console.log(`${label}`);
  console.log(`  plan tp${p.tp} pp${p.pp} dp${p.dp} mb${p.microBatch} v${p.virtualStages} z${p.zeroStage} ${p.recompute}${p.memoryMode !== 'device' ? ` ${p.memoryMode}` : ''}, ${p.globalBatch / (p.dp * p.microBatch)} micro-batches`);
  console.log(`  simulated in median ${m.toFixed(3)} s (min ${Math.min(...times).toFixed(3)}, max ${Math.max(...times).toFixed(3)}; ${RUNS} runs)${target ? `  target ≤ ${TARGET_S} s: ${m <= TARGET_S ? 'PASS' : 'FAIL'}` : ''}`);
  console.log(`  step time: event ${event.toFixed(3)} s, analytical ${analytical.toFixed(3)} s, differential ${((event / analytical - 1) * 100).toFixed(2)}%\n`);
}

console.log('OpenDojo event-driven tier: one training step per run (medians; machine is shared, expect noise)\n');
bench('GPT-3 175B on 1,024 A100-80GB (examples/gpt3-175b-a100.yaml)', load('examples/gpt3-175b-a100.yaml'), true);
bench('GPT-3 175B filling a Dojo ExaPod, 120 tiles (examples/dojo-exapod-gpt3.yaml, best searched plan)', load('examples/dojo-exapod-gpt3.yaml'), true);
const rows = JSON.parse(readFileSync(`${root}data/calibration/calibration.json`, 'utf8')) as CalibrationRow[];
const row = rows.find((r) => r.id === 'mlm21-t1-1T');
const built = row ? rowScenario(row) : undefined;
if (built && 'doc' in built) bench('stress: 1T parameters, 3,072 A100s, pp 64 (calibration row mlm21-t1-1T)', parseScenario(built.doc, 'mlm21-t1-1T'), false);

// `opendojo sweep`: how much a scenario's result depends on one assumption (a Dojo hierarchy
// unknown, a software efficiency, a price). Each value is a re-run; auto plans are re-searched.
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { sweep, sweepablePaths, type SweepResult } from '../../engine/sweep.js';
import type { StepReport } from '../../simulators/report.js';
import * as f from '../format.js';
import { loadScenarioFile } from '../read-file.js';
import { createProgress } from '../progress.js';

/** `10,20,40` → [10, 20, 40]; a JSON list (`[[10,12],[12,10]]`) for structured values. */
export function parseValues(text: string): unknown[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v)) return v;
    } catch {
      // fall through to the error below
    }
    throw new InputError('--values', [{ path: 'values', message: 'a value list starting with "[" must be a JSON array, e.g. [[10,12],[12,10]]' }]);
  }
  return t.split(',').map((s) => {
    const x = s.trim();
    if (x === 'true' || x === 'false') return x === 'true';
    const n = Number(x);
    return x !== '' && Number.isFinite(n) ? n : x;
  });
}

function render(r: SweepResult, unit: string): string {
  const line = (label: string, rep: StepReport | undefined, rel?: number) =>
    rep
      ? [label, f.compactPlan(rep.plan), f.seconds(rep.stepTimeSeconds), f.int(unit === 'tokens' ? rep.tokensPerSecond ?? 0 : rep.samplesPerSecond), f.percent(rep.mfu), f.watts(rep.power.facilityPowerW), f.usd(rep.cost.costPerMillionUnitsUsd), rel === undefined ? '1.00×' : `${rel.toFixed(2)}×`]
      : [label, 'no plan fits', '-', '-', '-', '-', '-', '-'];
  const right = (header: string) => ({ header, align: 'right' as const });
  const rows = [line('(scenario as written)', r.baseline), ...r.points.map((p) => line(JSON.stringify(p.value), p.report, p.relativeThroughput))];
  return `${f.table([{ header: r.path }, { header: 'plan' }, right('step time'), right(`${unit}/s`), right('MFU'), right('facility power'), right(`$/1M ${unit}`), right('throughput vs scenario')], rows)}\n\nEach row re-runs the scenario with ${r.path} set to the value (auto plans are searched again).`;
}

export function registerSweep(program: Command, emit: f.Emit): void {
  program
    .command('sweep')
    .description('sensitivity of a scenario to one assumption: re-run it for each value of a Dojo assumption, an efficiency or a price')
    .argument('<file>', 'scenario file (YAML or JSON)')
    .requiredOption('--assumption <path>', `what to vary: ${sweepablePaths().slice(0, 4).join(', ')}, … (see docs/cli.md)`)
    .requiredOption('--values <list>', 'comma-separated values, or a JSON array for structured values')
    .option('--json', 'print one JSON object: {path, baseline, points: [{value, report, relativeThroughput}]}')
    .addHelpText('after', f.helpExamples([
      ['opendojo sweep examples/dojo-tray-gpt.yaml --assumption dojo.dipsPerTray --values 10,20,40', 'how DIP count (HBM bandwidth per tile) moves the result'],
      ['opendojo sweep examples/gpt3-175b-a100.yaml --assumption efficiency.matmulFrameworkFactor --values 0.85,0.9,1', 'sensitivity to the calibrated matmul factor'],
    ]))
    .action((file: string, opts: { assumption: string; values: string; json?: boolean }) => {
      const loaded = loadScenarioFile(file);
      const progress = createProgress('sweep');
      let result: SweepResult;
      try {
        result = sweep(loaded.document, loaded.origin, opts.assumption, parseValues(opts.values), { onProgress: (done, total, label) => progress.update(done, total, label) });
      } finally {
        progress.finish();
      }
      const unit = loaded.scenario.workload.throughputUnit;
      emit({ json: { scenario: loaded.scenario.name, ...result }, text: () => `${loaded.scenario.name}  (${file})\n\n${render(result, unit)}` }, opts.json === true);
    });
}

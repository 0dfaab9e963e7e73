// `opendojo plan FILE`: search parallel plans for a scenario across worker threads and rank them.
import { Option, type Command } from 'commander';
import type { Objective } from '../../engine/search.js';
import type { TrainingAmount } from '../../simulators/analytical/power-cost.js';
import type { StepReport } from '../../simulators/report.js';
import * as f from '../format.js';
import { CANDIDATES_PER_WORKER, MAX_WORKERS, parallelSearch, searchSummary, type ParallelSearchResult } from '../parallel-search.js';
import { checkObjective } from '../../engine/search.js';
import { loadScenarioFile } from '../read-file.js';
import { renderStepReport } from './simulate.js';

interface PlanOptions {
  json?: boolean;
  top: number;
  objective: Objective;
  workers?: number;
  maxTp?: number;
  maxSeconds?: number;
}

function rankingTable(best: StepReport[]): string {
  const unit = best[0]?.tokensPerSecond !== undefined ? 'tokens' : 'samples';
  const right = (header: string) => ({ header, align: 'right' as const });
  const columns = [right('rank'), right('tp'), right('pp'), right('dp'), right('cp'), right('mb'), right('v'), { header: 'recompute' }, { header: 'SP' }, right('ZeRO'), right('step time'), right('MFU'), right('memory'), right(`${unit}/s`), right(`$/1M ${unit}`)];
  const rows = best.map((r, i) => {
    const p = r.plan;
    const throughput = unit === 'tokens' ? r.tokensPerSecond! : r.samplesPerSecond;
    return [String(i + 1), String(p.tp), String(p.pp), String(p.dp), String(p.cp), String(p.microBatch), String(p.virtualStages), p.recompute, p.sequenceParallel ? 'on' : 'off', String(p.zeroStage), f.seconds(r.stepTimeSeconds), f.percent(r.mfu), f.gb(r.peakMemoryBytesPerDevice), f.int(throughput), f.usd(r.cost.costPerMillionUnitsUsd)];
  });
  return f.table(columns, rows);
}

function renderPlan(title: string, r: ParallelSearchResult, objective: Objective, training: TrainingAmount | undefined): string {
  const best = r.best[0];
  if (!best) {
    return `${title}\n\nNo plan fits: ${f.int(r.prunedDivisibility)} combinations do not divide the model, batch and devices; ${f.int(r.prunedMemory)} of ${f.int(r.candidates)} candidates exceed device memory. Use more devices or fix fewer plan fields.`;
  }
  const cut = r.cutShort ? ` (search cut short by --max-seconds: ${f.int(r.examined)} of ${f.int(r.candidates)} candidates examined; the best so far)` : '';
  const head = `${title}\nTop ${r.best.length} of ${f.int(r.evaluated)} evaluated plans by ${objective === 'time' ? 'step time' : 'cost per unit'}${cut}`;
  return `${head}\n\n${rankingTable(r.best)}\n\nBest plan\n\n${renderStepReport(best, training ? { training } : {})}`;
}

export function registerPlan(program: Command, emit: f.Emit): void {
  program
    .command('plan')
    .description('search parallel plans (tp, pp, dp, cp, micro-batch, interleaving, recompute, ZeRO) for a scenario and rank them')
    .argument('<file>', 'scenario file; an auto plan keeps the fields it fixes, a concrete plan keeps its globalBatch and precision')
    .option('--json', 'print one JSON object: {candidates, prunedDivisibility, prunedMemory, evaluated, elapsedSeconds, workers, best}')
    .option('--top <n>', 'how many plans to keep', f.positiveInt('--top', 1000), 5)
    .addOption(new Option('--objective <objective>', 'rank by step time or by cost per million tokens/samples').choices(['time', 'cost']).default('time'))
    .option('--workers <n>', `worker threads (default: in-process below ${CANDIDATES_PER_WORKER} candidates per thread, else one per CPU up to ${MAX_WORKERS}); 1 runs in-process`, f.positiveInt('--workers', 64))
    .option('--max-tp <n>', 'largest tensor-parallel degree to try (default: devices per node)', f.positiveInt('--max-tp'))
    .option('--max-seconds <n>', 'stop the search after about N seconds (fractions allowed) and rank the plans examined so far', f.positiveNumber('--max-seconds'))
    .addHelpText(
      'after',
      f.helpExamples([
        ['opendojo plan examples/gpt3-175b-auto.yaml --top 3', 'best 3 plans for GPT-3 175B on 1,024 A100s'],
        ['opendojo plan examples/llama2-70b-h100.yaml --objective cost --workers 1 --json', 'cheapest plans, in-process, as JSON'],
      ]),
    )
    .action(async (file: string, opts: PlanOptions) => {
      const loaded = loadScenarioFile(file);
      // Refused before any worker starts: ranking energy-only costs would favour whatever draws least power.
      checkObjective(loaded.scenario, opts.objective);
      const workers = opts.workers ?? 'auto';
      const result = await parallelSearch(loaded, {
        workers,
        top: opts.top,
        objective: opts.objective,
        label: 'searching plans',
        ...(opts.maxTp ? { space: { maxTp: opts.maxTp } } : {}),
        ...(opts.maxSeconds ? { maxSeconds: opts.maxSeconds } : {}),
      });
      process.stderr.write(`${searchSummary(result)}\n`);
      const s = loaded.scenario;
      const best = result.best;
      const { candidates, prunedDivisibility, prunedMemory, evaluated, elapsedSeconds, examined, cutShort } = result;
      emit(
        {
          json: { scenario: s.name, objective: opts.objective, candidates, prunedDivisibility, prunedMemory, evaluated, examined, cutShort, elapsedSeconds, workers: result.workers, best },
          text: () => renderPlan(`${s.name}  (${loaded.origin})`, { ...result, best }, opts.objective, s.training),
        },
        opts.json === true,
      );
    });
}

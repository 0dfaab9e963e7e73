// `opendojo simulate FILE`: one training step of a scenario (searching the plan first when the
// scenario says `plan: auto`), on the analytical tier or the event-driven one (`--tier event`,
// `--trace FILE`). Also exports the full-report renderer that `plan` reuses.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { evaluateAsync, type Evaluation } from '../../engine/evaluate.js';
import type { TierExtras } from '../../engine/simulate-plan.js';
import { isTierName, TIER_NAMES, type TierName } from '../../simulators/registry.js';
import type { ResourceUtilization } from '../../simulators/event/simulate.js';
import type { TrainingAmount } from '../../simulators/analytical/power-cost.js';
import type { StepReport } from '../../simulators/report.js';
import { memoryShortfall } from '../../simulators/assemble-report.js';
import * as f from '../format.js';
import { parallelSearch, searchSummary, type ParallelSearchResult } from '../parallel-search.js';
import { loadScenarioFile, type LoadedScenario } from '../read-file.js';

export interface ReportContext {
  title?: string;
  training?: TrainingAmount;
  /** Extra line under the plan, e.g. how a searched plan was found. */
  planNote?: string;
}

const unitOf = (r: StepReport) => (r.tokensPerSecond !== undefined ? 'tokens' : 'samples');

function trainingText(t: TrainingAmount): string {
  if ('tokens' in t) return `${f.quantity(t.tokens)} tokens`;
  if ('samples' in t) return `${f.quantity(t.samples)} samples`;
  return `${f.int(t.steps)} steps`;
}

function breakdownTable(r: StepReport): string {
  const rows = Object.entries(r.breakdown).map(([k, s]) => [f.keyWords(k), f.seconds(s), f.percent(s / r.stepTimeSeconds)]);
  rows.push(['total (step time)', f.seconds(r.stepTimeSeconds), '']);
  return f.table([{ header: 'component' }, { header: 'time', align: 'right' }, { header: 'share', align: 'right' }], rows, '  ');
}

function memoryText(r: StepReport): string {
  const m = r.memory;
  const parts: [string, number][] = [['weights', m.weightsBytes], ['gradients', m.gradientsBytes], ['optimizer', m.optimizerBytes], ['activations', m.activationsBytes], ['workspace', m.workspaceBytes]];

  return f.fields([
    ...parts.map(([k, b]): [string, string] => [k, f.gb(b)]),
    ['total', `${f.gb(r.peakMemoryBytesPerDevice)} of ${f.gb(m.capacityBytes)} (${f.percent(r.peakMemoryBytesPerDevice / m.capacityBytes)})`],
    ['fits', r.fits ? 'yes' : `no (${memoryShortfall(r.memory)})`],
  ]);
}

/** The full human report of one step. */
export function renderStepReport(r: StepReport, ctx: ReportContext = {}): string {
  const unit = unitOf(r);
  const p = r.plan;
  const microBatches = p.globalBatch / (p.dp * p.microBatch);
  const head = f.fields([
    ['model', r.model],
    ['system', `${r.system}, ${f.int(r.devices)} devices`],
    ['plan', `${f.compactPlan(p)} (global batch ${f.int(p.globalBatch)}, ${f.int(microBatches)} micro-batches per step, ${p.precision})`],
    ...(ctx.planNote ? ([['', ctx.planNote]] as [string, string][]) : []),
  ]);
  const perf = f.fields([
    ['step time', f.seconds(r.stepTimeSeconds)],
    ['throughput', unit === 'tokens' ? `${f.rate(r.tokensPerSecond!, 'tokens')} (${f.num(r.samplesPerSecond)} samples/s)` : f.rate(r.samplesPerSecond, 'samples')],
    ['MFU', f.percent(r.mfu)],
    ['HFU', f.percent(r.hfu)],
  ]);
  const power = f.fields([
    ['IT power', f.watts(r.power.itPowerW)],
    ['facility power', f.watts(r.power.facilityPowerW)],
    ['energy per step', f.energyKWh(r.power.energyPerStepJ / 3.6e6)],
    ['cost per step', f.usd(r.cost.costPerStepUsd)],
    ['cost per hour', f.usd(r.cost.costPerHourUsd)],
    [`cost per 1M ${unit}`, `${f.usd(r.cost.costPerMillionUnitsUsd)} (${r.cost.basis} basis)`],
  ]);
  // A plan over memory is still reported (what-if studies), but the first line says so.
  const overMemory = r.fits ? [] : [`DOES NOT FIT: ${f.gb(r.peakMemoryBytesPerDevice)} per device needed, ${f.gb(r.memory.capacityBytes)} available (stage ${r.memory.stage}); the figures below are what-if`];
  const sections = [
    ...overMemory,
    ...(ctx.title ? [ctx.title] : []),
    head,
    f.section('Performance', perf),
    f.section('Step time breakdown', breakdownTable(r)),
    f.section(`Memory per device (worst stage: ${r.memory.stage})`, memoryText(r)),
    f.section('Power and cost', power),
  ];
  if (r.run) {
    const run = f.fields([
      ['steps', f.int(r.run.steps)],
      ['wall clock', f.duration(r.run.wallClockSeconds)],
      ['energy', f.energyKWh(r.run.energyKWh)],
      ['cost', f.usd(r.run.costUsd)],
    ]);
    sections.push(f.section(`Training run${ctx.training ? ` (${trainingText(ctx.training)})` : ''}`, run));
  }
  if (r.notes.length) sections.push(f.section('Notes', r.notes.map((n) => `  - ${n}`).join('\n')));
  return sections.join('\n\n');
}

/** The engine's evaluation (its plan policy) with the plan search run on worker threads. */
export async function scenarioReport(loaded: LoadedScenario, workers: number | 'auto', tier: TierName, trace = false): Promise<{ evaluation: Evaluation<TierName>; search?: ParallelSearchResult }> {
  let search: ParallelSearchResult | undefined;
  const evaluation = await evaluateAsync(loaded.scenario, {
    tier,
    // Only the event tier takes a trace option (the --trace flag forces that tier).
    ...(trace ? { tierOptions: { trace: true } as TierExtras<'event'> } : {}),
    search: async () => (search = await parallelSearch(loaded, { workers, top: 1, objective: 'time', label: 'searching plans' })),
  });
  return { evaluation, ...(search ? { search } : {}) };
}

type Tier = TierName;

function tierOption(value: string): Tier {
  if (!isTierName(value)) throw new InputError('command line', [{ path: '--tier', message: `must be one of ${TIER_NAMES.join(', ')}; got "${value}"` }]);
  return value;
}

/** Per resource (compute stream, DP streams, each link or port), the busiest stage's figures and
 * the mean over stages: every stage has one representative device. */
export function utilizationTable(rows: ResourceUtilization[]): string {
  const byName = new Map<string, ResourceUtilization[]>();
  for (const u of rows) {
    byName.set(u.name, [...(byName.get(u.name) ?? []), u]);
  }
  const lines = [...byName.entries()]
    .map(([name, us]) => {
      const top = us.reduce((a, b) => (b.utilization > a.utilization ? b : a));
      const mean = us.reduce((a, b) => a + b.utilization, 0) / us.length;
      return { name, top, mean };
    })
    .sort((a, b) => b.top.utilization - a.top.utilization)
    .map(({ name, top, mean }) => [name, String(top.stage), f.seconds(top.busySeconds), f.percent(top.utilization), f.percent(mean)]);
  return f.table([{ header: 'resource' }, { header: 'busiest stage', align: 'right' }, { header: 'busy', align: 'right' }, { header: 'utilization', align: 'right' }, { header: 'mean over stages', align: 'right' }], lines, '  ');
}

export function registerSimulate(program: Command, emit: f.Emit): void {
  program
    .command('simulate')
    .description('simulate one training step of a scenario: time, throughput, MFU, memory, power and cost')
    .argument('<file>', 'scenario file (.yaml, .yml or .json); see docs/scenario-file.md')
    .option('--json', 'print one JSON object (the step report plus "scenario", "planSource" and "tier")')
    .option('--workers <n>', `worker threads when the plan is auto (default: CPU count, at most 8)`, f.positiveInt('--workers', 64))
    .option('--tier <tier>', 'simulator tier: analytical (closed forms) or event (tasks on resources: contention, utilization)', tierOption, 'analytical' as Tier)
    .option('--trace <file>', 'write a Chrome/Perfetto trace of the step to FILE (implies --tier event)')
    .addHelpText(
      'after',
      f.helpExamples([
        ['opendojo simulate examples/gpt3-175b-a100.yaml', 'GPT-3 175B on 1,024 A100s with a fixed 3D plan'],
        ['opendojo simulate examples/gpt3-175b-auto.yaml --json', 'search the plan first (plan: auto), print JSON'],
        ['opendojo simulate examples/gpt3-175b-a100.yaml --tier event', 'event-driven tier: overlap, contention, per-resource utilization'],
        ['opendojo simulate examples/gpt3-175b-a100.yaml --trace step.json', 'write a trace to open in https://ui.perfetto.dev'],
      ]),
    )
    .action(async (file: string, opts: { json?: boolean; workers?: number; tier: Tier; trace?: string }) => {
      const loaded = loadScenarioFile(file);
      const s = loaded.scenario;
      const tier: Tier = opts.trace !== undefined ? 'event' : opts.tier;
      // The event tier runs the plan the scenario fixes, or the best one the (analytical) search found.
      const { evaluation, search } = await scenarioReport(loaded, opts.workers ?? 'auto', tier, opts.trace !== undefined);
      const { report, result } = evaluation;
      const events = 'utilization' in result ? result : undefined;
      if (opts.trace !== undefined && events?.trace) {
        writeFileSync(opts.trace, JSON.stringify(events.trace));
        process.stderr.write(`trace written to ${opts.trace} (open in https://ui.perfetto.dev)\n`);
      }
      const planNote = search ? `searched (plan: auto): best of ${search.evaluated} plans that fit; ${searchSummary(search)}` : undefined;
      const title = `${s.name}  (${loaded.origin})${tier === 'event' ? '  [event tier]' : ''}`;
      emit(
        {
          json: { scenario: s.name, planSource: search ? 'searched' : 'scenario', tier, ...report, ...(events ? { utilization: events.utilization } : {}) },
          text: () => {
            const text = renderStepReport(report, { title, ...(s.training ? { training: s.training } : {}), ...(planNote ? { planNote } : {}) });
            if (!events) return text;
            const head = `Resource utilization (event tier; one representative device per pipeline stage; breakdown observed on stage ${events.criticalStage})`;
            return `${text}\n\n${f.section(head, utilizationTable(events.utilization))}`;
          },
        },
        opts.json === true,
      );
    });
}

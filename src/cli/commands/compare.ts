// `opendojo compare FILE --system NAME[:COUNT] …`: the scenario's model on its own system and on
// named presets. The scenario's plan is kept where it is valid; elsewhere the best plan for the
// same global batch and precision is searched, and the row says so.
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { evaluatePlan, resolveScenarioPlan } from '../../engine/evaluate.js';
import { isAutoPlan, withSystem, type Scenario } from '../../engine/scenario.js';
import { searchFixedFields } from '../../engine/search.js';
import { getSystemPreset, parseSystemSpec, systemPresetNames } from '../../specs/registry.js';
import type { SystemInstance, SystemSpec } from '../../specs/schema.js';
import type { StepReport } from '../../simulators/report.js';
import * as f from '../format.js';
import { MAX_WORKERS, parallelSearch } from '../parallel-search.js';
import { noPriceNote } from '../../simulators/assemble-report.js';
import { priceKeyOf, systemPrice } from '../../specs/prices.js';
import { loadScenarioFile, readDataFile, type LoadedScenario } from '../read-file.js';

interface SystemRequest {
  /** A preset name, or a system spec file (a path ending in .yaml, .yml or .json). */
  name: string;
  count?: number;
}

const isSpecFile = (name: string) => /\.(ya?ml|json)$/i.test(name);

export interface CompareRow {
  system: string;
  devices: number;
  planSource: 'scenario' | 'searched';
  /** null when no plan fits on this system. */
  report: StepReport | null;
  note?: string;
}

function collectSystem(value: string, previous: SystemRequest[] | undefined): SystemRequest[] {
  const m = /^([^:]+)(?::(\d+))?$/.exec(value);
  const count = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || count === 0) throw new InputError('command line', [{ path: '--system', message: `expected NAME, NAME:COUNT, FILE or FILE:COUNT (COUNT a positive integer); got "${value}"` }]);
  return [...(previous ?? []), { name: m[1]!, ...(count ? { count } : {}) }];
}

/** A --system's spec: a preset, or a spec file validated on its own (its errors name the file). */
function specFor(req: SystemRequest): { spec: SystemSpec; document: Record<string, unknown> } {
  if (isSpecFile(req.name)) {
    const raw = readDataFile(req.name);
    return { spec: parseSystemSpec(raw, req.name), document: raw as Record<string, unknown> };
  }
  if (!systemPresetNames().includes(req.name)) {
    throw new InputError('command line', [{ path: '--system', message: `unknown system preset "${req.name}"; allowed: ${systemPresetNames().join(', ')}, or a spec file (.yaml, .yml, .json; docs/system-spec.md)` }]);
  }
  return { spec: getSystemPreset(req.name), document: { preset: req.name } };
}

interface Target {
  system: SystemInstance;
  /** The scenario's `system:` section for this target, for worker threads to re-parse. */
  document: Record<string, unknown>;
  note?: string;
}

/** The spec and device count for one --system, following the scenario's count where allowed. */
function systemFor(req: SystemRequest, scenarioDevices: number): Target {
  const { spec, document } = specFor(req);
  const at = (devices: number) => ({ spec, devices });
  const doc = (devices: number) => ({ ...document, devices });
  const max = spec.maxDevices;
  if (req.count !== undefined) {
    if (max !== undefined && req.count > max) throw new InputError('command line', [{ path: '--system', message: `${spec.name} has at most ${max} devices; got ${req.count}` }]);
    return { system: at(req.count), document: doc(req.count) };
  }
  if (max !== undefined && scenarioDevices > max) {
    return { system: at(spec.defaultDevices), document: doc(spec.defaultDevices), note: `the scenario's ${scenarioDevices} devices exceed ${spec.name}'s maximum of ${max}; using its default ${spec.defaultDevices}` };
  }
  return { system: at(scenarioDevices), document: doc(scenarioDevices) };
}

async function rowFor(loaded: LoadedScenario, target: Target | undefined, workers: number | 'auto'): Promise<CompareRow> {
  const system = target?.system ?? loaded.scenario.system;
  const s = target ? withSystem(loaded.scenario, system) : loaded.scenario;
  const base = { system: system.spec.name, devices: system.devices };
  const notes = target?.note ? [target.note] : [];
  // The row's note column carries the engine's no-price note: the table shows no report notes.
  if (!systemPrice(s.prices, s.system.spec)) notes.push(noPriceNote(priceKeyOf(s.system.spec)));
  if (!isAutoPlan(s.plan)) {
    try {
      const report = evaluatePlan(s, resolveScenarioPlan(s));
      // A plan over memory is never the one shown: the best plan that fits is searched instead.
      if (report.fits) return { ...base, planSource: 'scenario', report, ...(notes.length ? { note: notes.join('; ') } : {}) };
      notes.push(`the scenario's plan does not fit in memory here (${f.gb(report.peakMemoryBytesPerDevice)} of ${f.gb(report.memory.capacityBytes)} per device), so the best plan that fits was searched`);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      notes.push(`the scenario's plan is not valid here (${e.issues[0]?.path}: ${e.issues[0]?.message}), so the best plan was searched`);
    }
  }
  // Workers re-parse a document: the scenario with this system's section.
  const document = target ? { ...loaded.document, system: target.document } : loaded.document;
  const searchOn = (scenario: Scenario) => parallelSearch({ scenario, document, origin: loaded.origin }, { workers, top: 1, objective: 'time', label: `searching ${system.spec.name}` });
  let search = await searchOn(s);
  if (search.candidates === 0) {
    // Nothing divides the scenario's batch here (e.g. 1536 sequences on 120 Dojo tiles): use the
    // nearest multiple of the device count, which every data-parallel degree divides.
    const fixed = searchFixedFields(s);
    const batch = Math.max(1, Math.round(fixed.globalBatch / system.devices)) * system.devices;
    if (batch !== fixed.globalBatch) {
      notes.push(`global batch ${fixed.globalBatch} divides no plan on ${system.devices} devices; searched with ${batch}, the nearest multiple of the device count`);
      search = await searchOn({ ...s, plan: { auto: true, fixed: { ...fixed, globalBatch: batch } } });
    }
  }
  const report = search.best[0] ?? null;
  if (!report) notes.push(`no plan fits (${search.candidates} candidates, ${search.prunedMemory} of them over memory)`);
  return { ...base, planSource: 'searched', report, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** What differs between the rows besides the system (device count, global batch), or undefined
 * when every row runs the same batch on the same number of devices. */
function unlikeFor(rows: CompareRow[]): string | undefined {
  const distinct = (xs: number[]) => [...new Set(xs)];
  const devices = distinct(rows.map((r) => r.devices));
  const batches = distinct(rows.flatMap((r) => (r.report ? [r.report.plan.globalBatch] : [])));
  const parts = [
    ...(devices.length > 1 ? [`devices (${devices.map(f.int).join(' vs ')})`] : []),
    ...(batches.length > 1 ? [`global batch (${batches.map(f.int).join(' vs ')})`] : []),
  ];
  return parts.length ? `Not like for like: the rows differ in ${parts.join(' and ')}; per-device and per-token figures (MFU, $/1M) compare fairly, totals do not.` : undefined;
}

function renderCompare(title: string, rows: CompareRow[], unit: 'tokens' | 'samples'): string {
  const throughput = (r: StepReport) => (unit === 'tokens' ? (r.tokensPerSecond ?? 0) : r.samplesPerSecond);
  const first = rows[0]?.report;
  const right = (header: string) => ({ header, align: 'right' as const });
  const columns = [{ header: 'system' }, right('devices'), right('batch'), { header: 'plan' }, { header: 'source' }, right('step time'), right(`${unit}/s`), right('MFU'), right('memory/device'), { header: 'fits' }, right('IT power'), right(`$/1M ${unit}`), right('vs first')];
  const table = f.table(
    columns,
    rows.map((row) => {
      const r = row.report;
      if (!r) return [row.system, f.int(row.devices), '', '(no plan fits)', row.planSource, '', '', '', '', '', '', '', ''];
      return [row.system, f.int(row.devices), f.int(r.plan.globalBatch), f.compactPlan(r.plan), row.planSource, f.seconds(r.stepTimeSeconds), f.int(throughput(r)), f.percent(r.mfu), f.gb(r.peakMemoryBytesPerDevice), r.fits ? 'yes' : 'no', f.watts(r.power.itPowerW), f.usd(r.cost.costPerMillionUnitsUsd), first ? `${(throughput(r) / throughput(first)).toFixed(2)}×` : ''];
    }),
  );
  const notes = rows.filter((r) => r.note).map((r) => `  - ${r.system}: ${r.note}`);
  const differs = unlikeFor(rows);
  return [differs ? `${title}\n${differs}` : title, table, `"vs first": ${unit}/s relative to the first row.`, ...(notes.length ? [`Notes\n${notes.join('\n')}`] : [])].join('\n\n');
}

export function registerCompare(program: Command, emit: f.Emit): void {
  program
    .command('compare')
    .description("run a scenario's model on its own system and on named system presets, side by side")
    .argument('<file>', 'scenario file')
    .requiredOption('--system <name[:count]>', 'a system preset or a system spec file (.yaml/.yml/.json), optionally with a device count (repeatable); the count defaults to the scenario\'s, capped by the system\'s maximum', collectSystem)
    .option('--json', 'print one JSON object: {rows: [{system, devices, planSource, report}]}')
    .option('--workers <n>', `worker threads for plan searches (default: in-process for small searches, else one per CPU up to ${MAX_WORKERS})`, f.positiveInt('--workers', 64))
    .addHelpText(
      'after',
      f.helpExamples([
        ['opendojo compare examples/gpt3-175b-a100.yaml --system dgx-h100-80gb --system dojo-exapod', 'GPT-3 175B: A100s vs H100s vs a Dojo ExaPod'],
        ['opendojo compare examples/llama2-70b-h100.yaml --system dgx-h200:256 --json', 'Llama-2-70B on 256 H200s, as JSON'],
      ]),
    )
    .action(async (file: string, opts: { system: SystemRequest[]; json?: boolean; workers?: number }) => {
      const loaded = loadScenarioFile(file);
      const own = loaded.scenario.system;
      const workers = opts.workers ?? 'auto';
      const targets = opts.system.map((req) => systemFor(req, own.devices));
      const rows = [await rowFor(loaded, undefined, workers)];
      for (const t of targets) rows.push(await rowFor(loaded, t, workers));
      emit({ json: { scenario: loaded.scenario.name, rows }, text: () => renderCompare(`${loaded.scenario.name}  (${loaded.origin})`, rows, loaded.scenario.workload.throughputUnit) }, opts.json === true);
    });
}

// Scenario files: a model, a system and a plan (or `auto`), plus optional training amount,
// price overrides and efficiency overrides. Parsing is pure: file access is the caller's
// (the CLI passes a loader for `system: { file: … }`), so the engine runs in a browser too.
import { z } from 'zod';
import { InputError, type InputIssue } from '../common/errors.js';
import { parseOrThrow, zodIssues } from '../common/zod-issues.js';
import { getSystemPreset, listSystemPresets, parseSystemSpec } from '../specs/registry.js';
import { buildDojoSystem } from '../specs/dojo/dojo-system.js';
import { defaultDojoHierarchy, withDojoAssumptions } from '../specs/dojo/dojo-hierarchy.js';
import type { SystemInstance, SystemSpec } from '../specs/schema.js';
import { PriceOverrideSchema, mergePriceSheet, type PriceSheet } from '../specs/prices.js';
import { resolveModelConfig, buildWorkload, getModelPreset, ModelConfigSchema, type ModelConfig } from '../workloads/models.js';
import type { WorkloadGraph } from '../workloads/graph.js';
import { PlanInputSchema } from '../planner/plan.js';
import { DEFAULT_EFFICIENCY, EfficiencySchema, type Efficiency } from '../simulators/analytical/efficiency.js';
import type { TrainingAmount } from '../simulators/analytical/power-cost.js';
import { ensureBuiltins } from './builtins.js';

const COUNT_KEYS = ['gpus', 'tiles', 'devices'] as const;
const SCENARIO_KEYS = ['name', 'model', 'system', 'plan', 'training', 'prices', 'efficiency'] as const;

const TrainingSchema = z.union([
  z.object({ tokens: z.number().positive() }).strict(),
  z.object({ samples: z.number().positive() }).strict(),
  z.object({ steps: z.number().int().positive() }).strict(),
], { error: 'must be exactly one of { tokens: N }, { samples: N } or { steps: N }' });

/** A concrete plan, or a search request with the fields the user fixed (`plan: auto` or
 * `plan: { auto: true, tp: 8, globalBatch: 1536 }`). */
export type AutoPlan = { auto: true; fixed: Partial<z.output<typeof PlanInputSchema>> };
export type PlanSpec = z.output<typeof PlanInputSchema> | AutoPlan;

export function isAutoPlan(p: PlanSpec): p is AutoPlan {
  return 'auto' in p;
}

const AutoPlanSchema = PlanInputSchema.partial().extend({ auto: z.literal(true) }).strict();

export interface Scenario {
  name: string;
  origin: string;
  modelConfig: ModelConfig;
  workload: WorkloadGraph;
  system: SystemInstance;
  plan: PlanSpec;
  training?: TrainingAmount;
  prices: PriceSheet;
  efficiency: Efficiency;
}

export interface ScenarioOptions {
  /** Reads a system spec file named in `system.file` (relative to the scenario); CLI only. */
  loadSystemFile?: (path: string) => unknown;
}

function resolveSystem(raw: unknown, origin: string, opts: ScenarioOptions): SystemInstance {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(origin, [{ path: 'system', message: 'must be an object: { preset: NAME, gpus: N }, { file: PATH, gpus: N } or an inline system spec' }]);
  }
  const obj = { ...(raw as Record<string, unknown>) };
  const countKeys = COUNT_KEYS.filter((k) => k in obj);
  if (countKeys.length > 1) throw new InputError(origin, [{ path: `system.${countKeys[1]}`, message: `give only one of ${COUNT_KEYS.join(', ')}` }]);
  let count: number | undefined;
  if (countKeys[0]) {
    const v = obj[countKeys[0]];
    delete obj[countKeys[0]];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InputError(origin, [{ path: `system.${countKeys[0]}`, message: 'must be a positive integer' }]);
    count = v;
  }
  let spec: SystemSpec;
  if ('preset' in obj) {
    const extra = Object.keys(obj).filter((k) => k !== 'preset' && k !== 'dojo');
    if (extra.length) throw new InputError(origin, [{ path: `system.${extra[0]}`, message: `unknown key next to preset; allowed: preset, dojo, ${COUNT_KEYS.join(', ')}` }]);
    if (typeof obj.preset !== 'string') throw new InputError(origin, [{ path: 'system.preset', message: 'must be a preset name' }]);
    spec = getSystemPreset(obj.preset);
    if (obj.dojo !== undefined) spec = withDojoOverrides(spec, obj.dojo, origin);
  } else if ('file' in obj) {
    if (!opts.loadSystemFile) throw new InputError(origin, [{ path: 'system.file', message: 'system files can only be read from the command line; inline the spec instead' }]);
    if (typeof obj.file !== 'string') throw new InputError(origin, [{ path: 'system.file', message: 'must be a path' }]);
    const file = obj.file;
    try {
      spec = parseSystemSpec(opts.loadSystemFile(file), file);
    } catch (e) {
      // Keep the system file's name in the path: the scenario's error lists issues from both.
      if (e instanceof InputError) throw new InputError(origin, e.issues.map((i) => ({ ...i, path: `system.file(${file})${i.path ? `.${i.path}` : ''}` })));
      throw e;
    }
  } else {
    spec = parseSystemSpec(obj, origin, 'system');
  }
  const devices = count ?? spec.defaultDevices;
  if (spec.maxDevices !== undefined && devices > spec.maxDevices) {
    throw new InputError(origin, [{ path: `system.${countKeys[0] ?? 'devices'}`, message: `${spec.name} has at most ${spec.maxDevices} devices; got ${devices}` }]);
  }
  return { spec, devices };
}

/** A Dojo preset rebuilt with the user's assumption overrides (`system: { preset, dojo: {…} }`). */
function withDojoOverrides(preset: SystemSpec, overrides: unknown, origin: string): SystemSpec {
  // The level is a field of the spec (set by buildDojoSystem), so a renamed or user-registered
  // Dojo preset rebuilds at the right level.
  const level = preset.dojoLevel;
  if (!level) {
    const dojoPresets = listSystemPresets().filter((p) => p.dojoLevel !== undefined).map((p) => p.name);
    throw new InputError(origin, [{ path: 'system.dojo', message: `only Dojo presets take assumption overrides (${dojoPresets.join(', ')})` }]);
  }
  if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) throw new InputError(origin, [{ path: 'system.dojo', message: 'must be a mapping of assumption names to values' }]);
  try {
    return parseSystemSpec(buildDojoSystem(level, withDojoAssumptions(defaultDojoHierarchy(), overrides as Record<string, unknown>)), origin, 'system');
  } catch (e) {
    if (e instanceof InputError) throw new InputError(origin, e.issues.map((i) => ({ ...i, path: `system.dojo.${i.path.replace(/^assumptions\./, '')}` })));
    throw e;
  }
}

/** Edit distance (case-insensitive), to suggest the key a typo meant. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[y.length]!;
}

/** The closest allowed key, if it is close enough to be what the user meant. */
export function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  const scored = allowed.map((k) => ({ k, d: editDistance(key, k) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** Keys a `model:` section may hold: its kind's fields (the preset's kind for `preset:`), plus `preset`. */
function modelKeys(raw: unknown): string[] {
  const m = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  let kind = m.kind;
  if (kind === undefined && typeof m.preset === 'string') {
    try {
      kind = getModelPreset(m.preset).config.kind;
    } catch {
      kind = undefined; // an unknown preset is reported on its own
    }
  }
  const schemas = ModelConfigSchema.options.filter((o) => kind === undefined || o.shape.kind.value === kind);
  return [...new Set([...schemas.flatMap((o) => Object.keys(o.shape)), 'preset'])];
}

/** Zod reports unknown keys as one issue on the section (`model: Unrecognized key: "layerz"`):
 * name each key instead, list what the section allows and suggest the nearest. */
function explainUnknownKeys(issues: InputIssue[], allowed: Record<string, readonly string[]>): InputIssue[] {
  return issues.flatMap((i) => {
    const keys = /^Unrecognized keys?: (.*)$/.exec(i.message)?.[1];
    const section = allowed[i.path];
    if (!keys || !section) return [i];
    return [...keys.matchAll(/"([^"]*)"/g)].map(([, key]) => {
      const near = nearestKey(key!, section);
      return { path: `${i.path}.${key}`, message: `unknown key${near ? ` (did you mean "${near}"?)` : ''}; allowed: ${section.join(', ')}` };
    });
  });
}

export function parseScenario(raw: unknown, origin: string, opts: ScenarioOptions = {}): Scenario {
  ensureBuiltins();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(origin, [{ path: '', message: 'a scenario must be a mapping with model, system and plan' }]);
  const doc = raw as Record<string, unknown>;
  const issues: InputIssue[] = [];
  for (const k of Object.keys(doc)) if (!(SCENARIO_KEYS as readonly string[]).includes(k)) issues.push({ path: k, message: `unknown key; allowed: ${SCENARIO_KEYS.join(', ')}` });
  for (const k of ['model', 'system', 'plan'] as const) if (!(k in doc)) issues.push({ path: k, message: 'is required' });
  if (issues.length) throw new InputError(origin, issues);

  // Collect problems from every section before failing, so a user fixes them in one pass.
  const collect = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof InputError) {
        issues.push(...e.issues);
        return undefined;
      }
      throw e;
    }
  };
  const modelConfig = collect(() => resolveModelConfig(doc.model, origin));
  const system = collect(() => resolveSystem(doc.system, origin, opts));
  let plan: PlanSpec | undefined;
  const rawPlan = doc.plan;
  if (rawPlan === 'auto') plan = { auto: true, fixed: {} };
  else if (rawPlan && typeof rawPlan === 'object' && 'auto' in rawPlan) {
    const r = AutoPlanSchema.safeParse(rawPlan);
    if (r.success) {
      // Zod fills defaults even in a partial schema: keep only the fields the user actually fixed.
      const given = new Set(Object.keys(rawPlan));
      const fixed = Object.fromEntries(Object.entries(r.data).filter(([k]) => k !== 'auto' && given.has(k)));
      plan = { auto: true, fixed };
    } else issues.push(...zodIssues(r.error).map((i) => ({ ...i, path: i.path ? `plan.${i.path}` : 'plan' })));
  } else if (!rawPlan || typeof rawPlan !== 'object') {
    issues.push({ path: 'plan', message: 'must be a plan mapping (tp, pp, dp, microBatch, globalBatch, …) or "auto"' });
  } else {
    const r = PlanInputSchema.safeParse(rawPlan);
    if (r.success) plan = r.data;
    else issues.push(...zodIssues(r.error).map((i) => ({ ...i, path: i.path ? `plan.${i.path}` : 'plan' })));
  }
  const training = doc.training === undefined ? undefined : collect(() => parseOrThrow(TrainingSchema, doc.training, origin, 'training'));
  const prices = collect(() => mergePriceSheet(doc.prices === undefined ? undefined : parseOrThrow(PriceOverrideSchema, doc.prices, origin, 'prices')));
  const efficiency = collect(() => (doc.efficiency === undefined ? DEFAULT_EFFICIENCY : parseOrThrow(EfficiencySchema, { ...DEFAULT_EFFICIENCY, ...(doc.efficiency as object) }, origin, 'efficiency')));
  if (issues.length || !modelConfig || !system || !plan || !prices || !efficiency) {
    const planKeys = [...Object.keys(PlanInputSchema.shape), ...(rawPlan && typeof rawPlan === 'object' && 'auto' in rawPlan ? ['auto'] : [])];
    throw new InputError(origin, explainUnknownKeys(issues, { model: modelKeys(doc.model), plan: planKeys }));
  }
  const workload = buildWorkload(modelConfig);
  const name = typeof doc.name === 'string' ? doc.name : `${workload.name} on ${system.devices}× ${system.spec.name}`;
  return { name, origin, modelConfig, workload, system, plan, ...(training ? { training } : {}), prices, efficiency };
}

/** The same scenario on another system (for `compare`): keeps model and plan, swaps the machine. */
export function withSystem(s: Scenario, system: SystemInstance): Scenario {
  return { ...s, system, name: `${s.workload.name} on ${system.devices}× ${system.spec.name}` };
}

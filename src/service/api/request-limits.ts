// Hard limits on the size of what a request asks the engine to build and search: the model's
// dimensions, the plan's degrees and the shape of the JSON itself. The engine's work grows with
// these (graph size with layers, plan search with devices and degrees, memory with all of them),
// so they are refused in the request schema, before any engine work, with the limit and the
// reason in the message. The table is data: docs/api.md's limits section is generated from it
// (`limitsMarkdown`) and a test checks the two agree.
import { issue, type InputIssue } from '../../common/errors.js';

export interface SizeLimit {
  /** Key inside a model or plan mapping. */
  readonly key: string;
  readonly max: number;
  readonly reason: string;
}

const LAYERS_REASON = 'published models have at most ~160 layers (Llama 3.1 405B: 126); the op graph and the pipeline search grow linearly with layers';

export const MODEL_LIMITS: readonly SizeLimit[] = [
  { key: 'layers', max: 1024, reason: LAYERS_REASON },
  { key: 'hidden', max: 131_072, reason: 'over 5× the widest published dense model (GPT-3 175B: 12,288); memory model sizes grow with hidden²' },
  { key: 'ffnHidden', max: 524_288, reason: 'four times the hidden limit' },
  { key: 'heads', max: 1024, reason: 'published models use at most 128 query heads' },
  { key: 'kvHeads', max: 1024, reason: 'at most the heads limit' },
  { key: 'seqLen', max: 1_048_576, reason: '1M tokens, the longest published training context; activation memory grows with it' },
  { key: 'vocab', max: 1_048_576, reason: 'published vocabularies are under 300k entries' },
  { key: 'fusionLayers', max: 1024, reason: LAYERS_REASON },
  { key: 'temporalLayers', max: 1024, reason: LAYERS_REASON },
  { key: 'headLayers', max: 1024, reason: LAYERS_REASON },
  { key: 'neckRepeats', max: 64, reason: 'each repeat adds a block per neck level' },
  { key: 'cameras', max: 64, reason: 'a vehicle rig has 8–12 cameras' },
  { key: 'timeSteps', max: 256, reason: 'the backbone runs once per frame' },
];

export const PLAN_LIMITS: readonly SizeLimit[] = [
  { key: 'tp', max: 1024, reason: 'tensor parallelism beyond a node or tile group is not a useful plan; the search enumerates divisors' },
  { key: 'pp', max: 1024, reason: 'at most the layers limit' },
  { key: 'cp', max: 1024, reason: 'as tp' },
  { key: 'dp', max: 1_048_576, reason: 'the largest pool has far fewer devices' },
  { key: 'virtualStages', max: 64, reason: 'interleaved schedules use a few virtual stages; the event tier simulates each' },
  { key: 'microBatch', max: 65_536, reason: 'per-device micro-batches are small; memory grows with it' },
  { key: 'globalBatch', max: 16_777_216, reason: 'the step count and the pipeline schedule grow with micro-batches per step' },
];

/** Nesting depth and key count of any model, plan or scenario mapping. Checked iteratively, so
 * a pathologically nested body cannot overflow the stack here or in the code that reads it. */
export const STRUCTURE_LIMITS = { maxDepth: 16, maxKeys: 2000 } as const;

/** Issues for a mapping deeper or larger than STRUCTURE_LIMITS; empty if within them. */
export function structureIssues(value: unknown, path: string): InputIssue[] {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  let keys = 0;
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth >= STRUCTURE_LIMITS.maxDepth) return [issue(path, `is nested deeper than ${STRUCTURE_LIMITS.maxDepth} levels (the limit for model, plan and scenario documents)`)];
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    keys += children.length;
    if (keys > STRUCTURE_LIMITS.maxKeys) return [issue(path, `has more than ${STRUCTURE_LIMITS.maxKeys} keys and items (the limit for model, plan and scenario documents)`)];
    for (const c of children) stack.push({ v: c, depth: depth + 1 });
  }
  return [];
}

function tableIssues(mapping: unknown, path: string, table: readonly SizeLimit[]): InputIssue[] {
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) return [];
  const m = mapping as Record<string, unknown>;
  const out: InputIssue[] = [];
  for (const l of table) {
    const v = m[l.key];
    if (typeof v === 'number' && v > l.max) out.push(issue(`${path}.${l.key}`, `must be at most ${l.max.toLocaleString('en-US')} (service limit: ${l.reason}); got ${v}`));
  }
  return out;
}

/** Every limit a request's model, plan or scenario mapping exceeds; `prefix` is where they sit ('' or 'scenario.'). */
export function requestLimitIssues(doc: { model?: unknown; plan?: unknown }, prefix: string): InputIssue[] {
  const structure = [...structureIssues(doc.model, `${prefix}model`), ...structureIssues(doc.plan, `${prefix}plan`)];
  if (structure.length) return structure;
  return [...tableIssues(doc.model, `${prefix}model`, MODEL_LIMITS), ...tableIssues(doc.plan, `${prefix}plan`, PLAN_LIMITS)];
}

/** The limits as the Markdown table docs/api.md carries (checked by a test). */
export function limitsMarkdown(): string {
  const rows = [
    ...MODEL_LIMITS.map((l) => `| \`model.${l.key}\` | ${l.max.toLocaleString('en-US')} | ${l.reason} |`),
    ...PLAN_LIMITS.map((l) => `| \`plan.${l.key}\` | ${l.max.toLocaleString('en-US')} | ${l.reason} |`),
    `| nesting depth of \`model\`, \`plan\`, \`scenario\` | ${STRUCTURE_LIMITS.maxDepth} | readers walk documents recursively; deep nesting costs stack, not information |`,
    `| keys and items in \`model\`, \`plan\`, \`scenario\` | ${STRUCTURE_LIMITS.maxKeys.toLocaleString('en-US')} | a real scenario has tens of keys |`,
  ];
  return ['| limit | at most | why |', '|---|---|---|', ...rows].join('\n');
}

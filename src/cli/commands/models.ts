// `opendojo models`: the built-in model presets, with parameters and FLOPs computed from the
// built workload graph (never typed in), so the listing checks the builders too.
import type { Command } from 'commander';
import { ensureBuiltins } from '../../engine/builtins.js';
import { graphParams, modelFlopsPerSample } from '../../workloads/graph.js';
import { buildWorkload, listModelPresets, ModelConfigSchema } from '../../workloads/models.js';
import * as f from '../format.js';

export interface ModelSummary {
  name: string;
  kind: string;
  paramsB: number;
  /** Transformer shape (layers, hidden, heads, seqLen, …) or CNN input (imageSize, classes). */
  shape: Record<string, number | string | boolean>;
  /** Training FLOPs per sample (forward + backward matmuls, Megatron count). */
  gflopsPerSample: number;
  throughputUnit: 'tokens' | 'samples';
  source: string;
}

function summaries(): ModelSummary[] {
  ensureBuiltins();
  return listModelPresets().map((p) => {
    const config = ModelConfigSchema.parse({ ...p.config, name: p.name });
    const g = buildWorkload(config);
    const { kind: _kind, name: _name, ...shape } = config;
    return { name: p.name, kind: config.kind, paramsB: graphParams(g) / 1e9, shape, gflopsPerSample: modelFlopsPerSample(g) / 1e9, throughputUnit: g.throughputUnit, source: p.source };
  });
}

function shapeText(m: ModelSummary): string {
  const s = m.shape;
  if ('layers' in s) return `${s.layers}/${s.hidden}/${s.heads}${s.kvHeads ? ` (kv ${s.kvHeads})` : ''}`;
  return 'imageSize' in s ? `${s.imageSize}×${s.imageSize} image` : '';
}

function renderModels(list: ModelSummary[]): string {
  const right = (header: string) => ({ header, align: 'right' as const });
  const rows = list.map((m) => [m.name, m.kind, f.num(m.paramsB), shapeText(m), 'seqLen' in m.shape ? f.int(Number(m.shape.seqLen)) : '-', f.flop(m.gflopsPerSample * 1e9), m.source]);
  const table = f.table([{ header: 'name' }, { header: 'kind' }, right('params (B)'), { header: 'layers/hidden/heads' }, right('seq'), right('train FLOP/sample'), { header: 'source' }], rows);
  return `${table}\n\nParameters and FLOPs are computed from the built graph; FLOP/sample counts forward + backward matmuls (3× forward), as Megatron's MFU does.\nUse a preset in a scenario as  model: { preset: NAME }  with optional overrides (docs/scenario-file.md).`;
}

export function registerModels(program: Command, emit: f.Emit): void {
  program
    .command('models')
    .description('list the built-in model presets: parameters, shape, training FLOPs per sample and source')
    .option('--json', 'print one JSON object: {models: [...]}')
    .addHelpText('after', f.helpExamples([['opendojo models', 'the model presets'], ['opendojo models --json', 'as JSON']]))
    .action((opts: { json?: boolean }) => {
      const list = summaries();
      emit({ json: { models: list }, text: () => renderModels(list) }, opts.json === true);
    });
}

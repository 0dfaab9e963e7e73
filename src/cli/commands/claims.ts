// `opendojo claims`: Tesla's Dojo claims rebuilt from the parts and evaluated on the video network
// and an LLM against A100 and H100 clusters, each as a row with its verdict.
import type { Command } from 'commander';
import { evaluateClaims, type ClaimRow } from '../../engine/claims.js';
import * as f from '../format.js';
import { createProgress } from '../progress.js';

function render(rows: ClaimRow[]): string {
  const right = (header: string) => ({ header, align: 'right' as const });
  const fmt = (r: ClaimRow, x: number) => (r.verdict === 'not evaluable' ? '-' : `${f.num(x)} ${r.unit}`);
  const table = f.table(
    [{ header: 'claim' }, { header: 'workload' }, { header: 'vs' }, right('claimed'), right('computed'), { header: 'verdict' }, { header: 'hinges on' }],
    rows.map((r) => [r.claim, r.workload ?? '-', r.baseline ?? '-', fmt(r, r.claimed), fmt(r, r.computed), r.verdict === 'holds only if' ? `holds only if ${r.condition}` : r.verdict, r.hingesOn.join(', ') || '-']),
  );
  const details = rows.map((r) => `  ${r.id}: ${r.detail}${r.variants.length ? `\n      variants: ${r.variants.map((v) => `${v.assumption} = ${JSON.stringify(v.value)} → ${f.num(v.computed)}`).join('; ')}` : ''}`).join('\n');
  return `${table}\n\nHow each figure was computed:\n${details}\n\nMethod, assumptions and how to disagree with one: docs/claims.md.`;
}

export function registerClaims(program: Command, emit: f.Emit): void {
  program
    .command('claims')
    .description("evaluate Tesla's Dojo claims (9 PF tiles, 1.1 EF ExaPod, 4× perf/cost, 1.3× perf/W, 5× footprint, tile ≈ 6 servers)")
    .option('--json', 'print one JSON object: {rows: [...]}')
    .option('--tolerance <fraction>', 'a claim holds when computed ≥ claimed × (1 − tolerance)', (v) => Number(v), 0.1)
    .addHelpText('after', f.helpExamples([['opendojo claims', 'the verdict table'], ['opendojo claims --json', 'as JSON']]))
    .action((opts: { json?: boolean; tolerance: number }) => {
      const progress = createProgress('claims');
      let rows: ClaimRow[];
      try {
        rows = evaluateClaims({ tolerance: opts.tolerance, onProgress: (done, total, label) => progress.update(done, total, label) });
      } finally {
        progress.finish();
      }
      emit({ json: { rows }, text: () => render(rows) }, opts.json === true);
    });
}

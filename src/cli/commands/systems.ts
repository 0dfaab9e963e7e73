// `opendojo systems [NAME]`: the built-in system presets with their key figures (and, with
// --sources, the basis of each figure); one preset in full when NAME is given.
import type { Command } from 'commander';
import { ensureBuiltins } from '../../engine/builtins.js';
import { computeDojoAggregates, defaultDojoHierarchy } from '../../specs/dojo/dojo-hierarchy.js';
import { defaultPriceSheet } from '../../specs/prices.js';
import { getSystemPreset, listSystemPresets, systemPresetNames } from '../../specs/registry.js';
import { InputError } from '../../common/errors.js';
import type { SystemSpec } from '../../specs/schema.js';
import * as f from '../format.js';

export interface SystemSummary {
  name: string;
  family: string;
  device: string;
  defaultDevices: number;
  maxDevices: number | null;
  peakTflopsBf16PerDevice: number | null;
  memoryGBPerDevice: number;
  memoryBandwidthGBps: number;
  aggregatePflopsBf16AtDefault: number | null;
  tiers: { name: string; bandwidthGBpsPerDirection: number; domainDevices: number | null }[];
  sources?: Record<string, string>;
}

/** Every `sources` map in the spec, flattened to dotted keys (device.peakTflops, tiers.nvlink.latencyUs). */
export function specSources(s: SystemSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (prefix: string, m: Record<string, string> | undefined) => {
    for (const [k, v] of Object.entries(m ?? {})) out[prefix ? `${prefix}.${k}` : k] = v;
  };
  add('device', s.device.sources);
  for (const t of s.tiers) add(`tiers.${t.name}`, t.sources);
  add('', s.sources);
  return out;
}

function summarize(s: SystemSpec, withSources: boolean): SystemSummary {
  const bf16 = s.device.peakTflops.bf16;
  return {
    name: s.name,
    family: s.family,
    device: s.device.name,
    defaultDevices: s.defaultDevices,
    maxDevices: s.maxDevices ?? null,
    peakTflopsBf16PerDevice: bf16 ?? null,
    memoryGBPerDevice: s.device.memoryGB,
    memoryBandwidthGBps: s.device.memoryBandwidthGBps,
    aggregatePflopsBf16AtDefault: bf16 === undefined ? null : (bf16 * s.defaultDevices) / 1000,
    tiers: s.tiers.map((t) => ({ name: t.name, bandwidthGBpsPerDirection: t.bandwidthGBpsPerDirection, domainDevices: t.domainDevices ?? null })),
    ...(withSources ? { sources: specSources(s) } : {}),
  };
}

const tiersText = (s: SystemSummary) => s.tiers.map((t) => `${t.name}: ${f.num(t.bandwidthGBpsPerDirection)} GB/s`).join(', ');
const sourcesText = (m: Record<string, string>, indent = '  ') => f.fields(Object.entries(m), indent);

function renderList(list: SystemSummary[]): string {
  const right = (header: string) => ({ header, align: 'right' as const });
  const rows = list.map((s) => [
    s.name,
    s.family,
    s.device,
    `${s.defaultDevices}/${s.maxDevices ?? '-'}`,
    s.peakTflopsBf16PerDevice === null ? '-' : f.num(s.peakTflopsBf16PerDevice),
    f.num(s.memoryGBPerDevice),
    f.num(s.memoryBandwidthGBps),
    s.aggregatePflopsBf16AtDefault === null ? '-' : f.num(s.aggregatePflopsBf16AtDefault),
    tiersText(s),
  ]);
  const table = f.table([{ header: 'name' }, { header: 'family' }, { header: 'device' }, right('devices dflt/max'), right('bf16 TFLOP/s'), right('mem GB'), right('mem GB/s'), right('PFLOP/s @dflt'), { header: 'tiers (GB/s per direction per device)' }], rows);
  const sources = list.filter((s) => s.sources).map((s) => f.section(`${s.name}`, sourcesText(s.sources!)));
  return [table, 'Per device unless noted; PFLOP/s is bf16 peak at the default device count. `opendojo systems NAME` shows one preset in full.', ...sources].join('\n\n');
}

/** Decimal units (GB = 10⁹ bytes), as memory is everywhere else in the CLI's output. */
const bytesDecimal = (b: number) => {
  const units: [number, string][] = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  const [scale, unit] = units.find(([s]) => b >= s) ?? [1, 'B'];
  return `${f.num(b / scale)} ${unit}`;
};

function detail(s: SystemSpec) {
  const level = s.dojoLevel;
  return {
    system: s,
    summary: summarize(s, false),
    price: defaultPriceSheet().systems[s.priceKey ?? s.name] ?? null,
    ...(level ? { dojoHierarchy: computeDojoAggregates(defaultDojoHierarchy()).levels[level] } : {}),
  };
}

function renderDetail(d: ReturnType<typeof detail>): string {
  const s = d.system;
  const dev = s.device;
  const device = f.fields([
    ['name', dev.name],
    ['peak', Object.entries(dev.peakTflops).map(([p, t]) => `${p} ${f.tflops(t)}`).join(', ')],
    ['matmul efficiency', Object.entries(dev.matmulEfficiencyMax).map(([p, e]) => `${p} ${f.percent(e)}`).join(', ')],
    ['memory', `${f.num(dev.memoryGB)} GB at ${f.num(dev.memoryBandwidthGBps)} GB/s (${f.percent(dev.memoryEfficiency)} achievable)`],
    ['on-chip memory', `${f.num(dev.onChipMemoryMB)} MB`],
    ['power', `${f.watts(dev.tdpW)} TDP, ${f.watts(dev.idlePowerW)} idle`],
  ]);
  const system = f.fields([
    ['family', s.family],
    ['devices per node', String(s.devicesPerNode)],
    ['devices default/max', `${s.defaultDevices}/${s.maxDevices ?? 'no limit'}`],
    ['node other power', f.watts(s.nodeOtherPowerW)],
    ['node rack units', f.num(s.nodeRackUnits)],
    ['bf16 peak at default', d.summary.aggregatePflopsBf16AtDefault === null ? '-' : `${f.num(d.summary.aggregatePflopsBf16AtDefault)} PFLOP/s`],
    ['price', d.price ? `${f.usd(d.price.capexUsdPerNode)} per node${d.price.cloudUsdPerNodeHour ? `, cloud ${f.usd(d.price.cloudUsdPerNodeHour)}/node-hour` : ''} (${d.price.basis})` : 'not in the price sheet'],
  ]);
  const right = (header: string) => ({ header, align: 'right' as const });
  const tiers = f.table(
    [{ header: 'tier' }, right('domain'), right('GB/s per dir'), right('latency'), { header: 'in-network reduce' }, right('W/device'), { header: 'efficiency curve' }],
    s.tiers.map((t) => {
      const a = t.efficiencyCurve[0]!;
      const b = t.efficiencyCurve[t.efficiencyCurve.length - 1]!;
      return [t.name, t.domainDevices ? String(t.domainDevices) : 'all', f.num(t.bandwidthGBpsPerDirection), `${f.num(t.latencyUs)} µs`, t.inNetworkReduction ? 'yes' : 'no', f.num(t.powerWPerDevice), `${f.percent(a[1])} at ${bytesDecimal(a[0])} … ${f.percent(b[1])} at ${bytesDecimal(b[0])}`];
    }),
    '  ',
  );
  const parts = [`${s.name}: ${s.description}`, f.section('Device', device), f.section('System', system), f.section('Network tiers (innermost first)', tiers)];
  if (d.dojoHierarchy) {
    const h = d.dojoHierarchy;
    parts.push(f.section('Dojo hierarchy (computed from the parts)', f.fields([['tiles', f.int(h.tiles)], ['D1 dies', f.int(h.d1s)], ['nodes', f.int(h.nodes)], ['DIPs', f.num(h.dips)], ['bf16 peak', `${f.num(h.peakTflopsBf16 / 1000)} PFLOP/s`], ['SRAM', `${f.num(h.sramGB)} GB`], ['HBM', `${f.num(h.hbmGB)} GB`], ['power', f.watts(h.powerW)]])));
  }
  parts.push(f.section('Sources', sourcesText(specSources(s))));
  return parts.join('\n\n');
}

export function registerSystems(program: Command, emit: f.Emit): void {
  program
    .command('systems')
    .description('list the built-in system presets with key figures, or show one in full')
    .argument('[name]', 'a preset to show in full (device, tiers, price, sources)')
    .option('--json', 'print one JSON object: {systems: [...]} or, with NAME, {system, summary, price}')
    .option('--sources', 'also print the basis (citation or assumption) of every figure')
    .addHelpText(
      'after',
      f.helpExamples([
        ['opendojo systems', 'key figures of every preset'],
        ['opendojo systems --sources', 'with the source of each figure'],
        ['opendojo systems dojo-exapod', 'one preset in full'],
      ]),
    )
    .action((name: string | undefined, opts: { json?: boolean; sources?: boolean }) => {
      ensureBuiltins();
      if (name !== undefined) {
        if (!systemPresetNames().includes(name)) {
          throw new InputError('command line', [{ path: 'NAME', message: `unknown system preset "${name}"; allowed: ${systemPresetNames().join(', ')}` }]);
        }
        const d = detail(getSystemPreset(name));
        emit({ json: d, text: () => renderDetail(d) }, opts.json === true);
        return;
      }
      const list = listSystemPresets().map((s) => summarize(s, opts.sources === true));
      emit({ json: { systems: list }, text: () => renderList(list) }, opts.json === true);
    });
}

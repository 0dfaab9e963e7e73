// Built-in model presets with the paper or model card each configuration comes from.
import { registerModelPreset, type ModelPreset } from './models.js';

const GPT = (layers: number, hidden: number, heads: number, source: string): Omit<ModelPreset, 'name'> => ({
  config: { kind: 'transformer', layers, hidden, heads, seqLen: 2048, vocab: 51200 },
  source,
});
const MLM = 'Narayanan et al. SC21 Table 1 (Megatron-LM GPT configurations)';

export const MODEL_PRESETS: ModelPreset[] = [
  { name: 'gpt3-1.7b', ...GPT(24, 2304, 24, MLM) },
  { name: 'gpt3-18b', ...GPT(40, 6144, 48, MLM) },
  { name: 'gpt3-175b', config: { kind: 'transformer', layers: 96, hidden: 12288, heads: 96, seqLen: 2048, vocab: 51200 }, source: 'Brown et al. 2020 (GPT-3), vocab padded to 51200 as Megatron' },
  { name: 'gpt-530b', ...GPT(105, 20480, 128, 'Megatron-Turing NLG 530B (Smith et al. 2022)') },
  { name: 'gpt-1t', ...GPT(128, 25600, 160, MLM) },
  { name: 'llama2-7b', config: { kind: 'transformer', layers: 32, hidden: 4096, heads: 32, seqLen: 4096, vocab: 32000, ffnHidden: 11008, activation: 'swiglu' }, source: 'Llama 2 paper / model card' },
  { name: 'llama2-70b', config: { kind: 'transformer', layers: 80, hidden: 8192, heads: 64, kvHeads: 8, seqLen: 4096, vocab: 32000, ffnHidden: 28672, activation: 'swiglu' }, source: 'Llama 2 paper / model card' },
  { name: 'llama3-8b', config: { kind: 'transformer', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, seqLen: 8192, vocab: 128256, ffnHidden: 14336, activation: 'swiglu' }, source: 'Llama 3 model card' },
  { name: 'llama3-70b', config: { kind: 'transformer', layers: 80, hidden: 8192, heads: 64, kvHeads: 8, seqLen: 8192, vocab: 128256, ffnHidden: 28672, activation: 'swiglu' }, source: 'Llama 3 model card' },
  { name: 'resnet50', config: { kind: 'resnet50', imageSize: 224 }, source: 'He et al. 2016, ImageNet 224×224' },
  { name: 'tesla-video-net', config: { kind: 'video' }, source: "OpenDojo approximation of Tesla's AI Day 2021 camera network; see docs/video-network.md" },
  {
    name: 'tesla-video-net-small',
    config: { kind: 'video', timeSteps: 2, backbone: 'regnety-1.6gf', fusionHidden: 512, fusionHeads: 8, fusionLayers: 6, temporalLayers: 2, headChannels: 256 },
    source: 'OpenDojo: tesla-video-net scaled down for quick experiments (RegNetY-1.6GF, 2 frames, narrower fusion); see docs/video-network.md',
  },
];

let registered = false;
export function registerBuiltinModels(): void {
  if (registered) return;
  registered = true;
  for (const p of MODEL_PRESETS) registerModelPreset(p);
}

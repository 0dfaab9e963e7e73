// `opendojo submit`'s job spec: a spec file (YAML or JSON), flags, or a file with flags laid
// over it (a flag wins over the file's value). Mutually exclusive flags and a spec with no
// model, training amount or resources are caught here, naming the flags; everything else is
// left to the server's validation, so there is one schema.
import { InputError, issue, type InputIssue } from '../../common/errors.js';

export interface SubmitFlags {
  name?: string;
  model?: string;
  steps?: number;
  tokens?: number;
  samples?: number;
  tiles?: number;
  shape?: string;
  gpus?: number;
  pool?: string;
  plan?: string;
  priority?: number;
  checkpointSteps?: number;
  checkpointSeconds?: number;
  maxBudget?: number;
}

const GROUPS: [keyof SubmitFlags, string][][] = [
  [['steps', '--steps'], ['tokens', '--tokens'], ['samples', '--samples']],
  [['tiles', '--tiles'], ['shape', '--shape'], ['gpus', '--gpus']],
  [['checkpointSteps', '--checkpoint-steps'], ['checkpointSeconds', '--checkpoint-seconds']],
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The spec to POST: `file` (already parsed) with the flags applied. */
export function buildJobSpec(flags: SubmitFlags, file?: { origin: string; doc: unknown }): Record<string, unknown> {
  if (file && !isObject(file.doc)) throw new InputError(file.origin, [issue('', 'a job spec must be a mapping (name, model, training, resources, …)')]);
  const problems: InputIssue[] = [];
  for (const group of GROUPS) {
    const given = group.filter(([k]) => flags[k] !== undefined).map(([, flag]) => flag);
    if (given.length > 1) problems.push(issue(given.join(' '), `give only one of ${group.map(([, f]) => f).join(', ')}`));
  }
  if (flags.shape !== undefined && !/^\d+x\d+$/.test(flags.shape)) problems.push(issue('--shape', `expected ROWSxCOLS, e.g. 2x3; got "${flags.shape}"`));
  if (flags.plan !== undefined && flags.plan !== 'auto') problems.push(issue('--plan', `only "auto" as a flag; put a plan mapping (tp, pp, …) in a spec file`));
  const spec: Record<string, unknown> = file ? structuredClone(file.doc as Record<string, unknown>) : {};

  if (flags.name !== undefined) spec.name = flags.name;
  if (flags.model !== undefined) {
    spec.model = flags.model;
    delete spec.scenario; // the flag replaces the file's workload, whichever form it took
  }
  if (flags.steps !== undefined) spec.training = { steps: flags.steps };
  if (flags.tokens !== undefined) spec.training = { tokens: flags.tokens };
  if (flags.samples !== undefined) spec.training = { samples: flags.samples };

  const fileResources = isObject(spec.resources) ? spec.resources : undefined;
  const pool = flags.pool ?? (typeof fileResources?.pool === 'string' ? fileResources.pool : undefined);
  const amount = flags.tiles !== undefined ? { tiles: flags.tiles } : flags.shape !== undefined ? { shape: flags.shape } : flags.gpus !== undefined ? { gpus: flags.gpus } : undefined;
  if (amount) spec.resources = { ...(pool !== undefined ? { pool } : {}), ...amount };
  else if (flags.pool !== undefined) {
    if (fileResources) spec.resources = { ...fileResources, pool: flags.pool };
    else problems.push(issue('--pool', 'needs --tiles N, --shape RxC or --gpus N'));
  }
  if (flags.gpus !== undefined && pool === undefined) problems.push(issue('--gpus', 'needs --pool (a GPU pool, e.g. h100)'));

  if (flags.plan !== undefined) spec.plan = flags.plan;
  if (flags.priority !== undefined) spec.priority = flags.priority;
  if (flags.checkpointSteps !== undefined) spec.checkpointInterval = { steps: flags.checkpointSteps };
  if (flags.checkpointSeconds !== undefined) spec.checkpointInterval = { seconds: flags.checkpointSeconds };
  if (flags.maxBudget !== undefined) spec.maxBudgetUsd = flags.maxBudget;

  if (!file) {
    // Without a file the flags are the whole spec: name what is missing in flag terms.
    if (spec.model === undefined) problems.push(issue('--model', 'give a job spec FILE, or --model NAME (see `opendojo models`)'));
    if (spec.training === undefined) problems.push(issue('--steps', 'give the amount of training: --steps N, --tokens N or --samples N'));
    if (spec.resources === undefined && flags.pool === undefined) problems.push(issue('--tiles', 'give the resources: --tiles N, --shape RxC, or --pool NAME --gpus N'));
  }
  if (problems.length) throw new InputError(file ? `${file.origin} with flags` : 'opendojo submit', problems);
  return spec;
}

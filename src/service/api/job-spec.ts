// The job spec a tenant submits, and the other request bodies of the HTTP API. These zod
// schemas validate requests and generate the OpenAPI document (openapi.ts), so the two cannot
// drift. Every field carries a description; problems come back naming the field.
import { z } from 'zod';
import { requestLimitIssues, structureIssues } from './request-limits.js';



export const TrainingSchema = z
  .union([
    z.object({ steps: z.number().int().positive().max(1e9).describe('Optimizer steps') }).strict(),
    z.object({ tokens: z.number().positive().max(1e16).describe('Training tokens (transformers)') }).strict(),
    z.object({ samples: z.number().positive().max(1e13).describe('Training samples (images, clips)') }).strict(),
  ])
  .describe('How much training: exactly one of steps, tokens or samples');

export const ResourcesSchema = z
  .union([
    z.object({ pool: z.string().min(1).max(40).optional().describe('Pool name; default `exapod`'), tiles: z.number().int().min(1).max(10_000).describe('Number of tiles; any rectangle of this area') }).strict(),
    z.object({ pool: z.string().min(1).max(40).optional(), shape: z.string().regex(/^[1-9]\d{0,2}x[1-9]\d{0,2}$/, 'expected ROWSxCOLS, e.g. 2x3').describe('Exact rectangle of tiles, rows×cols (rotation allowed)') }).strict(),
    z.object({ pool: z.string().min(1).max(40).describe('A GPU pool, e.g. `h100`'), gpus: z.number().int().min(1).max(100_000).describe('GPU count: a multiple of the GPUs per node, or fewer than one node') }).strict(),
  ])
  .describe('Where the job runs: a tile count or shape on the ExaPod, or a GPU count on a GPU pool');

export const CheckpointIntervalSchema = z
  .union([
    z.object({ steps: z.number().int().positive().max(1e9) }).strict(),
    z.object({ seconds: z.number().positive().max(1e9) }).strict(),
  ])
  .describe('Periodic checkpoint interval, in steps or (virtual) seconds of run time');

const PlanSchema = z
  .union([z.literal('auto'), z.record(z.string(), z.unknown())])
  .describe('`auto` (the planner searches the fastest plan that fits) or a plan mapping as in scenario files (tp, pp, microBatch, globalBatch, zero, recompute, …)');

export const JobSpecSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[\w.\- ]+$/, 'letters, digits, spaces, `.`, `_` and `-` only').optional().describe('A label for people'),
    model: z
      .union([z.string().min(1).max(100), z.record(z.string(), z.unknown())])
      .optional()
      .describe('A model preset name (see `opendojo models`) or a model mapping as in scenario files'),
    scenario: z
      .union([z.string().min(1).max(200_000), z.record(z.string(), z.unknown())])
      .optional()
      .describe('Instead of `model`: a whole scenario file (YAML/JSON text or mapping); its system is replaced by the pool'),
    training: TrainingSchema.optional(),
    resources: ResourcesSchema,
    plan: PlanSchema.optional(),
    priority: z.number().int().min(0).max(9).default(0).describe('Priority class 0–9: higher goes first and may preempt lower classes (checkpoint first); at most the tenant’s granted `maxPriority`'),
    checkpointInterval: CheckpointIntervalSchema.default({ seconds: 3600 }),
    maxBudgetUsd: z.number().positive().max(1e12).optional().describe('Refuse the job if its predicted bill exceeds this'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.model === undefined) === (s.scenario === undefined)) ctx.addIssue({ code: 'custom', path: ['model'], message: 'give exactly one of model (a preset or mapping) or scenario (a scenario file)' });
    // Size limits (request-limits.ts) before any engine work; a YAML scenario is checked once parsed.
    const problems = [...requestLimitIssues(s, ''), ...(s.scenario && typeof s.scenario === 'object' ? [...structureIssues(s.scenario, 'scenario'), ...requestLimitIssues(s.scenario, 'scenario.')] : [])];
    for (const p of problems) ctx.addIssue({ code: 'custom', path: p.path.split('.'), message: p.message });
  })
  .describe('A training job');
export type JobSpec = z.output<typeof JobSpecSchema>;

export const TenantCreateSchema = z
  .object({
    name: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and `-`, starting with a letter or digit').describe('Unique tenant name'),
    maxTiles: z.number().int().min(0).max(1_000_000).nullable().optional().describe('Most tiles the tenant may hold at once; null for no limit'),
    maxGpus: z.number().int().min(0).max(10_000_000).nullable().optional().describe('Most GPUs the tenant may hold at once; null for no limit'),
    budgetUsd: z.number().min(0).max(1e12).nullable().optional().describe('Spend limit (billed usage plus running jobs’ predicted bills); null for none'),
    weight: z.number().positive().max(1000).default(1).describe('Fair-share weight'),
    maxPriority: z.number().int().min(0).max(9).optional().describe('Highest priority class the tenant may use (classes 0..maxPriority); default 5. Classes above may preempt its jobs, not the other way round'),
  })
  .strict();

export const TenantPatchSchema = TenantCreateSchema.omit({ name: true }).partial().strict();

export const InvoiceRequestSchema = z
  .object({
    tenant: z.string().min(1).max(64).describe('Tenant id'),
    period: z.number().int().min(0).max(1e6).describe('Billing period index (see GET /v1/usage)'),
  })
  .strict();

export const ListJobsQuerySchema = z
  .object({
    state: z.string().regex(/^[a-z]+(,[a-z]+)*$/, 'comma-separated states').optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().min(0).optional().describe('Page back from this job sequence number'),
  })
  .strict();

export const UsageQuerySchema = z
  .object({
    tenant: z.string().min(1).max(64).optional().describe('Admin only: whose usage'),
    period: z.coerce.number().int().min(0).max(1e6).optional().describe('Billing period index; default the current one'),
  })
  .strict();

export const TileHealthSchema = z.object({ healthy: z.boolean() }).strict();



// The plan search's candidate values and limits (search-space.json), validated at load, each with
// its source. Kept apart from the search itself so the axis list (axes.ts) can read its limits.
import { z } from 'zod';
import { parseOrThrow } from '../common/zod-issues.js';
import rawSearchSpace from './search-space.json' with { type: 'json' };

const degrees = z.array(z.number().int().positive()).min(1).refine((a) => a[0] === 1 && a.every((x, i) => i === 0 || x > a[i - 1]!), 'must start at 1 and increase');
const SearchDefaultsSchema = z
  .object({
    microBatches: degrees,
    virtualStages: degrees,
    maxCp: z.number().int().positive(),
    minTokensForCp: z.number().int().positive(),
    sources: z.object({ microBatches: z.string().min(1), virtualStages: z.string().min(1), maxCp: z.string().min(1), minTokensForCp: z.string().min(1) }).strict(),
  })
  .strict();

export const SEARCH_DEFAULTS = parseOrThrow(SearchDefaultsSchema, rawSearchSpace, 'src/planner/search-space.json');

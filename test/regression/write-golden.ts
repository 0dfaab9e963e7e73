// Rewrites test/regression/golden.json from the current program. Run on purpose only (an
// intended behaviour change), then review the diff: `npm run build && node dist/test/regression/write-golden.js`.
import { writeFileSync } from 'node:fs';
import { computeGolden, goldenPath } from './cases.js';
import { ensureBuiltins } from '../../src/engine/builtins.js';

ensureBuiltins();
writeFileSync(goldenPath, `${JSON.stringify(computeGolden(), null, 1)}\n`);
console.log(`wrote ${goldenPath}`);

// The service's pools are data (src/service/api/pools.json), validated when loaded. Reference: the
// pools as they were written in code before they became data — the same names, grids and texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { defaultPools, parsePools } from '../../src/service/api/pools.js';
import { exapodGridSize } from '../../src/service/scheduler/grid.js';

test('the default pools: the ExaPod grid from the Dojo hierarchy and 128 DGX H100 nodes, as before', () => {
  const g = exapodGridSize();
  assert.equal(g.rows * g.cols, 120, 'an ExaPod has 120 tiles');
  assert.deepEqual(defaultPools(), [
    { name: 'exapod', system: 'dojo-exapod', unit: 'tile', rows: g.rows, cols: g.cols, devicesPerSlot: 1, resource: 'dojo-tile', description: `One Dojo ExaPod: 120 training tiles on a ${g.rows}×${g.cols} grid; jobs take contiguous rectangles` },
    { name: 'h100', system: 'dgx-h100-80gb', unit: 'gpu', rows: 8, cols: 16, devicesPerSlot: 8, resource: 'dgx-h100-80gb', description: 'A virtual pool of 128 DGX H100 nodes (1,024 GPUs); jobs take whole nodes' },
  ]);
});

test('a bad pools document is refused naming the field', () => {
  const base = { name: 'a100', system: 'dgx-a100-80gb', unit: 'gpu', rows: 4, cols: 4, devicesPerSlot: 8, resource: 'dgx-a100-80gb', description: 'x', source: 'assumption' };
  const issues = (doc: unknown) => {
    try {
      parsePools(doc, 'pools.json');
    } catch (e) {
      assert.ok(e instanceof InputError);
      return e.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    }
    assert.fail('accepted');
  };
  assert.match(issues({ pools: [{ ...base, unit: 'node' }] }), /pools\.0\.unit/);
  assert.match(issues({ pools: [{ ...base, rows: 0 }] }), /pools\.0\.rows/);
  assert.match(issues({ pools: [{ ...base, colour: 'red' }] }), /colour/);
  assert.match(issues({ pools: [{ ...base, cols: undefined }] }), /either grid: exapod or both rows and cols/);
  assert.match(issues({ pools: [base, base] }), /unique/);
  assert.equal(parsePools({ pools: [base] }, 'pools.json')[0]!.rows, 4);
});

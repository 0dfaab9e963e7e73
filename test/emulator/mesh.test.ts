// The virtual mesh and the first partitioned program: results bit-identical to the unpartitioned
// GEMM, bytes per link equal to the closed form of dimension-ordered routing, SRAM overflow named
// by node and tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDojoHierarchy } from '../../src/specs/dojo/dojo-hierarchy.js';
import { VirtualMesh } from '../../src/emulator/mesh/virtual-mesh.js';
import { partitionedLinear } from '../../src/emulator/mesh/partitioned-linear.js';
import { gemm } from '../../src/emulator/runtime/gemm.js';
import { InputError } from '../../src/common/errors.js';
import { seeded } from './gradcheck.js';

test('column-partitioned linear on a 1×4 row equals the unpartitioned GEMM bit for bit; link bytes match the closed form', () => {
  const [M, K, N, P] = [8, 64, 42, 4];
  const x = Float32Array.from(seeded(M * K, 1));
  const w = Float32Array.from(seeded(K * N, 2));
  const reference = new Float32Array(M * N);
  gemm(M, N, K, x, w, reference);
  const mesh = VirtualMesh.fromHierarchy(defaultDojoHierarchy(), 1, P);
  const { y, slices } = partitionedLinear(mesh, x, M, K, w, N, 4);
  assert.deepEqual(y, reference);
  // x (M·K·4 B) goes east from node 0 to every node p: the east link out of column c carries it
  // once per node beyond c; each y slice comes back west over the same links.
  const xBytes = M * K * 4;
  for (let c = 0; c + 1 < P; c++) {
    assert.equal(mesh.bytesOnLink({ row: 0, col: c }, 'east'), xBytes * (P - 1 - c));
    const back = slices.filter((s) => s.node.col > c).reduce((sum, s) => sum + M * (s.end - s.start) * 4, 0);
    assert.equal(mesh.bytesOnLink({ row: 0, col: c + 1 }, 'west'), back);
  }
  const hopBytes = slices.reduce((sum, s) => sum + s.node.col * (xBytes + M * (s.end - s.start) * 4), 0);
  assert.equal(mesh.totalHopBytes, hopBytes);
});

test('routing goes along the row first, then the column', () => {
  const mesh = new VirtualMesh(3, 3, 1e6);
  assert.equal(mesh.transfer({ row: 0, col: 0 }, { row: 2, col: 1 }, 100), 3);
  assert.equal(mesh.bytesOnLink({ row: 0, col: 0 }, 'east'), 100);
  assert.equal(mesh.bytesOnLink({ row: 0, col: 1 }, 'south'), 100);
  assert.equal(mesh.bytesOnLink({ row: 1, col: 1 }, 'south'), 100);
  assert.equal(mesh.bytesOnLink({ row: 0, col: 0 }, 'south'), 0);
});

test('a weight slice larger than a node\'s 1.25 MB SRAM is reported per node and tensor', () => {
  const mesh = VirtualMesh.fromHierarchy(defaultDojoHierarchy(), 1, 2);
  assert.equal(mesh.sramBytesPerNode, 1.25e6);
  const [M, K, N] = [1, 1024, 1024];
  assert.throws(
    () => partitionedLinear(mesh, new Float32Array(M * K), M, K, new Float32Array(K * N), N, 4),
    (e: unknown) =>
      e instanceof InputError &&
      e.issues.map((i) => i.path).join() === 'node[0,0].w,node[0,1].w' &&
      /needs 2097152 B of SRAM/.test(e.issues[0]!.message),
  );
  assert.throws(() => VirtualMesh.fromHierarchy(defaultDojoHierarchy(), 40, 2), /must fit the D1 node grid/);
});

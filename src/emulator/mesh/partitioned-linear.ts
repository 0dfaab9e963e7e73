// The first spatial program: y = x·W with W [K, N] split by output columns across the nodes of a
// region (node p holds a contiguous column slice). The input enters at node (0, 0), is sent to each
// node, each node multiplies its slice, and the slices return to (0, 0). Every element of y is the
// same dot product in the same k order as the unpartitioned GEMM, so the result is bit-identical;
// the mesh counts the bytes each link carried. Placement problems (a slice that does not fit a
// node's SRAM) are reported all at once, naming tensor and node.
import { InputError, type InputIssue } from '../../common/errors.js';
import { gemm } from '../runtime/gemm.js';
import type { NodeId, VirtualMesh } from './virtual-mesh.js';

export interface PartitionedLinearResult {
  y: Float32Array;
  /** Output columns [start, end) held by each node, in row-major node order. */
  slices: { node: NodeId; start: number; end: number }[];
}

export function partitionedLinear(
  mesh: VirtualMesh,
  x: Float32Array,
  M: number,
  K: number,
  w: Float32Array,
  N: number,
  bytesPerElement: number,
): PartitionedLinearResult {
  const nodes = mesh.rows * mesh.cols;
  const origin = { row: 0, col: 0 };
  const slices = Array.from({ length: nodes }, (_, p) => ({
    node: { row: Math.floor(p / mesh.cols), col: p % mesh.cols },
    start: Math.floor((p * N) / nodes),
    end: Math.floor(((p + 1) * N) / nodes),
  }));
  const issues: InputIssue[] = [];
  for (const s of slices) {
    const width = s.end - s.start;
    for (const [tensor, elements] of [['w', K * width], ['x', M * K], ['y', M * width]] as const) {
      const problem = mesh.allocate(s.node, tensor, elements * bytesPerElement);
      if (problem) issues.push(problem);
    }
  }
  if (issues.length) throw new InputError('partitioned linear', issues);
  const y = new Float32Array(M * N);
  for (const s of slices) {
    const width = s.end - s.start;
    if (width === 0) continue;
    mesh.transfer(origin, s.node, M * K * bytesPerElement);
    const wSlice = new Float32Array(K * width);
    for (let k = 0; k < K; k++) wSlice.set(w.subarray(k * N + s.start, k * N + s.end), k * width);
    const ySlice = new Float32Array(M * width);
    gemm(M, width, K, x, wSlice, ySlice);
    mesh.transfer(s.node, origin, M * width * bytesPerElement);
    for (let i = 0; i < M; i++) y.set(ySlice.subarray(i * width, (i + 1) * width), i * N + s.start);
  }
  return { y, slices };
}

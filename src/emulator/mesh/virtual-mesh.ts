// A region of D1 nodes as the emulator sees it: a rows × cols 2-D mesh, each node with its SRAM
// budget, every link counted per direction. Transfers follow dimension-ordered routing (along the
// row first, then the column), the deadlock-free default for 2-D meshes; the D1 routing scheme is
// not public (dojo-facts §9 lists it as unknown), so this is an assumption. Figures come from the
// Dojo hierarchy spec (node SRAM, die grid), never retyped; SRAM "MB" is taken as 10^6 bytes, the
// reading under which 354 × 1.25 MB gives Tesla's 440 MB per die.
import type { DojoHierarchy } from '../../specs/dojo/dojo-hierarchy.js';
import { InputError, issue, type InputIssue } from '../../common/errors.js';

export type Direction = 'east' | 'west' | 'north' | 'south';
const DIRECTIONS: Direction[] = ['east', 'west', 'north', 'south'];

export interface NodeId {
  row: number;
  col: number;
}

export class VirtualMesh {
  readonly rows: number;
  readonly cols: number;
  readonly sramBytesPerNode: number;
  /** Bytes sent on the link leaving node (row, col) in each direction: index (node · 4 + direction). */
  readonly linkBytes: Float64Array;
  readonly sramUsedBytes: Float64Array;
  private readonly residents = new Map<number, { tensor: string; bytes: number }[]>();
  totalHopBytes = 0;

  constructor(rows: number, cols: number, sramBytesPerNode: number) {
    this.rows = rows;
    this.cols = cols;
    this.sramBytesPerNode = sramBytesPerNode;
    this.linkBytes = new Float64Array(rows * cols * 4);
    this.sramUsedBytes = new Float64Array(rows * cols);
  }

  /** A region of one die: at most the die's node grid, SRAM per node from the spec. */
  static fromHierarchy(h: DojoHierarchy, rows: number, cols: number): VirtualMesh {
    const [gridRows, gridCols] = h.d1.nodeGrid;
    if (rows < 1 || cols < 1 || rows > gridRows || cols > gridCols) {
      throw new InputError('mesh region', [issue('rows/cols', `got ${rows}×${cols}; a region must fit the D1 node grid ${gridRows}×${gridCols}`)]);
    }
    return new VirtualMesh(rows, cols, h.node.sramMB * 1e6);
  }

  index(n: NodeId): number {
    return n.row * this.cols + n.col;
  }

  /** Moves `bytes` from one node to another hop by hop (row first); returns the hop count. */
  transfer(from: NodeId, to: NodeId, bytes: number): number {
    let { row, col } = from;
    let hops = 0;
    const step = (direction: Direction, dr: number, dc: number) => {
      this.linkBytes[this.index({ row, col }) * 4 + DIRECTIONS.indexOf(direction)]! += bytes;
      row += dr;
      col += dc;
      hops++;
    };
    while (col !== to.col) step(to.col > col ? 'east' : 'west', 0, to.col > col ? 1 : -1);
    while (row !== to.row) step(to.row > row ? 'south' : 'north', to.row > row ? 1 : -1, 0);
    this.totalHopBytes += hops * bytes;
    return hops;
  }

  bytesOnLink(n: NodeId, direction: Direction): number {
    return this.linkBytes[this.index(n) * 4 + DIRECTIONS.indexOf(direction)]!;
  }

  /** Records that `tensor` occupies `bytes` of the node's SRAM; overflow is returned as an issue. */
  allocate(n: NodeId, tensor: string, bytes: number): InputIssue | null {
    const i = this.index(n);
    const used = this.sramUsedBytes[i]! + bytes;
    if (used > this.sramBytesPerNode) {
      const held = (this.residents.get(i) ?? []).map((r) => `${r.tensor} ${r.bytes} B`).join(', ') || 'nothing';
      return issue(
        `node[${n.row},${n.col}].${tensor}`,
        `needs ${bytes} B of SRAM; the node holds ${held} and has ${this.sramBytesPerNode - this.sramUsedBytes[i]!} B of ${this.sramBytesPerNode} B free`,
      );
    }
    this.sramUsedBytes[i] = used;
    this.residents.set(i, [...(this.residents.get(i) ?? []), { tensor, bytes }]);
    return null;
  }
}

// The ExaPod's tile grid as the scheduler sees it: which tiles are healthy, which job holds each
// tile, and where a job's rectangle of tiles can go. A `GridView` is an immutable snapshot with a
// 2D prefix sum of blocked tiles (any rectangle checked in O(1)) and, for every height h, the
// widest free rectangle of that height (any shape's "does it fit anywhere" answered in O(1)).
import { InputError, issue } from '../../common/errors.js';
import { defaultDojoHierarchy } from '../../specs/dojo/dojo-hierarchy.js';

export interface Shape {
  readonly rows: number;
  readonly cols: number;
}
export interface Rect extends Shape {
  readonly row: number;
  readonly col: number;
}
export interface Tile {
  readonly row: number;
  readonly col: number;
}

/** A job asks for a tile count (any rectangle of that area) or an explicit shape. */
export type PlacementRequest = { readonly tiles: number } | { readonly shape: Shape; readonly rotatable?: boolean };

export interface ResolvedRequest {
  /** Tiles the job occupies (the rectangle's area). */
  readonly tiles: number;
  /** Tiles asked for; differs from `tiles` only when no rectangle of that area fits the grid at all. */
  readonly requestedTiles: number;
  /** Candidate shapes in preference order: squarest first (shortest mesh diameter), then fewer rows. */
  readonly shapes: readonly Shape[];
}

export type PlacementPolicy = 'first-fit' | 'best-fit';

/** The ExaPod's tile grid from the Dojo hierarchy (10×12 by default; an assumption there). */
export function exapodGridSize(): Shape {
  const [rows, cols] = defaultDojoHierarchy().assumptions.exapodTileGrid;
  return { rows, cols };
}

const fitsGrid = (s: Shape, rows: number, cols: number) => s.rows <= rows && s.cols <= cols;
const bySquareness = (a: Shape, b: Shape) => Math.abs(a.rows - a.cols) - Math.abs(b.rows - b.cols) || a.rows - b.rows;

function factorizations(tiles: number, rows: number, cols: number): Shape[] {
  const shapes: Shape[] = [];
  for (let r = 1; r <= Math.min(tiles, rows); r++) {
    if (tiles % r === 0 && tiles / r <= cols) shapes.push({ rows: r, cols: tiles / r });
  }
  return shapes.sort(bySquareness);
}

/**
 * The shapes a request may take on a rows×cols grid. A count takes every exact factorization in
 * both orientations. A count with no factorization that fits the grid at all (13 on 10×12:
 * neither 1×13 nor 13×1 fits) is rounded up to the smallest area that has one, and the extra
 * tiles idle; a count is never rounded up just because the grid is busy. An explicit shape may
 * be rotated unless `rotatable: false`. Invalid requests throw an InputError naming the key.
 */
export function resolveRequest(request: PlacementRequest, rows: number, cols: number): ResolvedRequest {
  if ('shape' in request) {
    const { rows: r, cols: c } = request.shape;
    const bad = (['rows', 'cols'] as const).filter((k) => !Number.isInteger(request.shape[k]) || request.shape[k] < 1);
    if (bad.length) throw new InputError('placement request', bad.map((k) => issue(`shape.${k}`, `must be a positive integer; got ${request.shape[k]}`)));
    const options = request.rotatable === false || r === c ? [{ rows: r, cols: c }] : [{ rows: r, cols: c }, { rows: c, cols: r }];
    const shapes = options.filter((s) => fitsGrid(s, rows, cols));
    if (!shapes.length) {
      throw new InputError('placement request', [issue('shape', `${r}×${c}${request.rotatable === false ? ' (rotation pinned)' : ''} does not fit the ${rows}×${cols} tile grid`)]);
    }
    return { tiles: r * c, requestedTiles: r * c, shapes };
  }
  const n = request.tiles;
  if (!Number.isInteger(n) || n < 1 || n > rows * cols) {
    throw new InputError('placement request', [issue('tiles', `must be an integer from 1 to ${rows * cols} (the grid's tiles); got ${n}`)]);
  }
  for (let area = n; area <= rows * cols; area++) {
    const shapes = factorizations(area, rows, cols);
    if (shapes.length) return { tiles: area, requestedTiles: n, shapes };
  }
  throw new Error(`unreachable: ${rows}×${cols} always fits itself`);
}

/** An immutable snapshot of which tiles are blocked (unhealthy, occupied or reserved). */
export class GridView {
  readonly freeTiles: number;
  private readonly prefix: Int32Array;
  /** maxWidth[h]: widest run of columns free in h consecutive rows (index 0 unused). */
  private readonly maxWidth: Int32Array;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly blocked: Uint8Array,
  ) {
    const w = cols + 1;
    this.prefix = new Int32Array((rows + 1) * w);
    let blockedTotal = 0;
    for (let r = 0; r < rows; r++) {
      let rowSum = 0;
      for (let c = 0; c < cols; c++) {
        rowSum += blocked[r * cols + c]!;
        this.prefix[(r + 1) * w + c + 1] = this.prefix[r * w + c + 1]! + rowSum;
      }
      blockedTotal += rowSum;
    }
    this.freeTiles = rows * cols - blockedTotal;
    this.maxWidth = widestFreeRuns(rows, cols, blocked);
  }

  /** Blocked tiles inside a rectangle, O(1). */
  blockedIn(row: number, col: number, rows: number, cols: number): number {
    const w = this.cols + 1;
    const p = this.prefix;
    return p[(row + rows) * w + col + cols]! - p[row * w + col + cols]! - p[(row + rows) * w + col]! + p[row * w + col]!;
  }

  isFree(rect: Rect): boolean {
    return rect.row >= 0 && rect.col >= 0 && rect.row + rect.rows <= this.rows && rect.col + rect.cols <= this.cols && this.blockedIn(rect.row, rect.col, rect.rows, rect.cols) === 0;
  }

  /** Whether some free rectangle of this shape exists anywhere, O(1). */
  canFit(shape: Shape): boolean {
    return shape.rows <= this.rows && shape.cols <= (this.maxWidth[shape.rows] ?? 0);
  }

  canFitAny(shapes: readonly Shape[]): boolean {
    for (const s of shapes) if (this.canFit(s)) return true;
    return false;
  }

  /** Area of the largest free rectangle. */
  largestFreeRectangle(): number {
    let best = 0;
    for (let h = 1; h <= this.rows; h++) best = Math.max(best, h * this.maxWidth[h]!);
    return best;
  }

  /** A new view with these rectangles' tiles blocked as well. */
  withBlocked(rects: readonly Rect[]): GridView {
    const blocked = this.blocked.slice();
    for (const r of rects) forEachTile(r, this.cols, (i) => (blocked[i] = 1));
    return new GridView(this.rows, this.cols, blocked);
  }

  /**
   * Free tiles on the rectangle's border that it would expose: perimeter edges shared with free
   * tiles (edges against the grid border, unhealthy or occupied tiles do not count). O(1).
   */
  exposedEdges(rect: Rect): number {
    const { row, col, rows, cols } = rect;
    let exposed = 0;
    if (row > 0) exposed += cols - this.blockedIn(row - 1, col, 1, cols);
    if (row + rows < this.rows) exposed += cols - this.blockedIn(row + rows, col, 1, cols);
    if (col > 0) exposed += rows - this.blockedIn(row, col - 1, rows, 1);
    if (col + cols < this.cols) exposed += rows - this.blockedIn(row, col + cols, rows, 1);
    return exposed;
  }
}

export function forEachTile(rect: Rect, gridCols: number, fn: (index: number) => void): void {
  for (let r = rect.row; r < rect.row + rect.rows; r++) {
    for (let c = rect.col; c < rect.col + rect.cols; c++) fn(r * gridCols + c);
  }
}

/** For each height h, the widest run of columns free across some h consecutive rows: O(rows²·cols). */
function widestFreeRuns(rows: number, cols: number, blocked: Uint8Array): Int32Array {
  const maxWidth = new Int32Array(rows + 1);
  const colFree = new Uint8Array(cols);
  for (let top = 0; top < rows; top++) {
    colFree.fill(1);
    for (let h = 1; top + h <= rows; h++) {
      const base = (top + h - 1) * cols;
      let run = 0;
      let best = 0;
      for (let c = 0; c < cols; c++) {
        if (blocked[base + c]) colFree[c] = 0;
        run = colFree[c] ? run + 1 : 0;
        if (run > best) best = run;
      }
      if (best === 0) break;
      if (best > maxWidth[h]!) maxWidth[h] = best;
    }
  }
  return maxWidth;
}

/** Tile occupancy (owner number per tile, −1 when free) and health, with a cached view. */
export class TileGrid {
  readonly rows: number;
  readonly cols: number;
  private readonly owner: Int32Array;
  private readonly unhealthy: Uint8Array;
  private cachedView: GridView | null = null;
  private cachedHealthView: GridView | null = null;

  constructor(rows = exapodGridSize().rows, cols = exapodGridSize().cols) {
    if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
      throw new InputError('tile grid', [issue('rows', `rows and cols must be positive integers; got ${rows}×${cols}`)]);
    }
    this.rows = rows;
    this.cols = cols;
    this.owner = new Int32Array(rows * cols).fill(-1);
    this.unhealthy = new Uint8Array(rows * cols);
  }

  get tileCount(): number {
    return this.rows * this.cols;
  }

  index(tile: Tile): number {
    if (!Number.isInteger(tile.row) || !Number.isInteger(tile.col) || tile.row < 0 || tile.col < 0 || tile.row >= this.rows || tile.col >= this.cols) {
      throw new InputError('tile', [issue('tile', `(${tile.row}, ${tile.col}) is outside the ${this.rows}×${this.cols} grid`)]);
    }
    return tile.row * this.cols + tile.col;
  }

  ownerAt(tile: Tile): number | null {
    const o = this.owner[this.index(tile)]!;
    return o < 0 ? null : o;
  }

  ownerAtIndex(index: number): number {
    return this.owner[index]!;
  }

  isHealthy(tile: Tile): boolean {
    return this.unhealthy[this.index(tile)] === 0;
  }

  get healthyTiles(): number {
    let n = 0;
    for (const u of this.unhealthy) n += u ? 0 : 1;
    return n;
  }

  setHealthy(tile: Tile, healthy: boolean): void {
    this.unhealthy[this.index(tile)] = healthy ? 0 : 1;
    this.cachedView = null;
    this.cachedHealthView = null;
  }

  /** Gives every tile of the rectangle to `owner`; throws if any is blocked (a scheduler bug). */
  occupy(rect: Rect, owner: number): void {
    if (!this.view().isFree(rect)) throw new Error(`rectangle ${JSON.stringify(rect)} is not free`);
    forEachTile(rect, this.cols, (i) => (this.owner[i] = owner));
    this.cachedView = null;
  }

  release(rect: Rect, owner: number): void {
    forEachTile(rect, this.cols, (i) => {
      if (this.owner[i] !== owner) throw new Error(`tile ${i} is not held by ${owner}`);
      this.owner[i] = -1;
    });
    this.cachedView = null;
  }

  /** Snapshot with occupied and unhealthy tiles blocked; cached until the grid changes. */
  view(): GridView {
    if (!this.cachedView) {
      const blocked = new Uint8Array(this.tileCount);
      for (let i = 0; i < blocked.length; i++) blocked[i] = this.unhealthy[i] || this.owner[i]! >= 0 ? 1 : 0;
      this.cachedView = new GridView(this.rows, this.cols, blocked);
    }
    return this.cachedView;
  }

  /** Snapshot with only unhealthy tiles blocked: where a job could go if nothing were running. */
  healthView(): GridView {
    if (!this.cachedHealthView) this.cachedHealthView = new GridView(this.rows, this.cols, this.unhealthy.slice());
    return this.cachedHealthView;
  }
}

/**
 * Where a request goes on the grid, or null if no free rectangle of any allowed shape exists.
 *
 * - first-fit: the first shape in preference order that fits, at its first free position in
 *   row-major order.
 * - best-fit: over all shapes and positions, the rectangle that exposes the fewest free edges
 *   (perimeter edges touching free tiles; edges against the border, unhealthy or busy tiles are
 *   free of charge), so jobs pack into corners and holes instead of splitting free space. Ties
 *   go to the placement that leaves the largest free rectangle, then to first-fit order.
 */
export function findPlacement(grid: TileGrid | GridView, request: PlacementRequest | ResolvedRequest, policy: PlacementPolicy): Rect | null {
  const view = grid instanceof TileGrid ? grid.view() : grid;
  const shapes = 'shapes' in request ? request.shapes : resolveRequest(request, view.rows, view.cols).shapes;
  return policy === 'first-fit' ? firstFit(view, shapes) : bestFit(view, shapes);
}

function firstFit(view: GridView, shapes: readonly Shape[]): Rect | null {
  for (const s of shapes) {
    if (!view.canFit(s)) continue;
    for (let row = 0; row + s.rows <= view.rows; row++) {
      for (let col = 0; col + s.cols <= view.cols; col++) {
        if (view.blockedIn(row, col, s.rows, s.cols) === 0) return { row, col, rows: s.rows, cols: s.cols };
      }
    }
  }
  return null;
}

function bestFit(view: GridView, shapes: readonly Shape[]): Rect | null {
  let bestExposed = Infinity;
  let tied: Rect[] = [];
  for (const s of shapes) {
    if (!view.canFit(s)) continue;
    for (let row = 0; row + s.rows <= view.rows; row++) {
      for (let col = 0; col + s.cols <= view.cols; col++) {
        if (view.blockedIn(row, col, s.rows, s.cols) !== 0) continue;
        const rect = { row, col, rows: s.rows, cols: s.cols };
        const exposed = view.exposedEdges(rect);
        if (exposed < bestExposed) {
          bestExposed = exposed;
          tied = [rect];
        } else if (exposed === bestExposed) tied.push(rect);
      }
    }
  }
  if (tied.length <= 1) return tied[0] ?? null;
  let best = tied[0]!;
  let bestLeft = -1;
  for (const rect of tied) {
    const left = view.withBlocked([rect]).largestFreeRectangle();
    if (left > bestLeft) {
      bestLeft = left;
      best = rect;
    }
  }
  return best;
}

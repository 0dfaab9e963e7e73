// data/calibration is the repository's copy of the upstream calibration set, which lives in
// ../shared/calibration beside the repository on the machines where it is curated. The program and
// its tests read only the copy (a bare clone must work); this test catches the copy going stale
// wherever the upstream folder is present, and says so in its skip reason where it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/cli/read-file.js';

const copy = join(packageRoot, 'data', 'calibration');
/** The folder holding the repository: the checkout itself, or for a git worktree (whose `.git` is
 * a file `gitdir: MAIN/.git/worktrees/NAME`) the main checkout it belongs to. */
function checkoutRoot(): string {
  const dotGit = join(packageRoot, '.git');
  const gitdir = existsSync(dotGit) && statSync(dotGit).isFile() ? /^gitdir: (.*)\/\.git\/worktrees\//m.exec(readFileSync(dotGit, 'utf8'))?.[1] : undefined;
  return gitdir ?? packageRoot;
}
const upstream = join(checkoutRoot(), '..', 'shared', 'calibration');
const missing = existsSync(upstream) ? false : `no upstream calibration folder at ${upstream} (a bare clone): nothing to compare the copy with`;

test('data/calibration is byte for byte the upstream ../shared/calibration', { skip: missing }, () => {
  const names = (dir: string) => readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  assert.deepEqual(names(copy), names(upstream), 'the copy holds the same files as upstream');
  for (const name of names(upstream)) {
    assert.ok(readFileSync(join(copy, name)).equals(readFileSync(join(upstream, name))), `data/calibration/${name} differs from ${join(upstream, name)}: copy it again`);
  }
});

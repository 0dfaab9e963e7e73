// Long engine work shows progress on stderr also when it is not a terminal: `sweep` (and `claims`,
// through the same callback) print periodic plain lines naming the count done and the run just
// finished. The sweep here has a concrete plan, so its four runs are quick; a tiny interval
// (OPENDOJO_PROGRESS_SECONDS) makes every run but the last print its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('opendojo sweep … 2>&1 | cat shows a progress line per finished run', () => {
  const command = 'node bin/opendojo.js sweep examples/dojo-tray-gpt.yaml --assumption dojo.dipsPerTray --values 10,20,40 2>&1 | cat';
  const r = spawnSync('sh', ['-c', command], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, OPENDOJO_PROGRESS_SECONDS: '0.001' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('sweep: '));
  const expected = [
    [1, 25, 'scenario as written'],
    [2, 50, 'dojo.dipsPerTray = 10'],
    [3, 75, 'dojo.dipsPerTray = 20'],
  ] as const;
  assert.equal(lines.length, expected.length, `progress lines:\n${lines.join('\n')}\nall output:\n${r.stdout}`);
  expected.forEach(([done, percent, label], i) => assert.match(lines[i]!, new RegExp(`^sweep: ${done}/4 \\(${percent}%\\) after \\d+ s — ${label.replace(/\./g, '\\.')}$`)));
  // The last run prints no line (the table follows at once), and no terminal bar is drawn on a pipe.
  assert.ok(!r.stdout.includes('4/4') && !r.stdout.includes('\r'));
  assert.match(r.stdout, /throughput vs scenario/);
});

// docs/api-js.md's example is run as a dependent project would run it (importing the package by
// name, from a file inside the package so the name resolves to this checkout) and must print
// exactly the output the page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'api-js.md'), 'utf8');

test('the docs/api-js.md example runs and prints what the page shows', () => {
  const code = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
  const shown = /```js\n[\s\S]*?```\s*```text\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code && shown, 'the page has a ```js example followed by its ```text output');
  // tmp/ is git-ignored; the file must sit inside the package for `from 'opendojo'` to resolve.
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const file = join(root, 'tmp', 'api-js-doc-example.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, shown);
});

// Every `$ opendojo …` line in docs/cli.md (and in the Dojo and claims pages) is run from the
// repository root and must exit 0;
// `--json` examples must print one parseable JSON document. The docs cannot drift from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'cli.md'), 'utf8');
// Other pages whose console examples must run too (docs/scenario-file.md's is a bad-input example,
// checked in scenario-doc.test.ts).
const otherPages = ['claims.md', 'dojo-model.md'].map((p) => readFileSync(join(root, 'docs', p), 'utf8'));

/** Split a documented command line into arguments (single and double quotes, no shell features). */
function splitArgs(line: string): string[] {
  const args: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) args.push(m[1] ?? m[2] ?? m[3]!);
  return args;
}

const linesOf = (text: string) =>
  [...text.matchAll(/```console\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.startsWith('$ opendojo')).map((l) => l.slice(2).trim()));
const commands = linesOf(doc);
const allCommands = [...new Set([...commands, ...otherPages.flatMap(linesOf)])];

test('docs/cli.md documents every command', () => {
  for (const cmd of ['simulate', 'plan', 'compare', 'validate', 'systems', 'models', 'sweep', 'claims']) {
    assert.ok(commands.some((c) => c.startsWith(`opendojo ${cmd}`)), `no example of opendojo ${cmd}`);
  }
});

for (const line of allCommands) {
  test(`docs example: ${line}`, () => {
    const args = splitArgs(line).slice(1);
    const r = spawnSync('node', ['bin/opendojo.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    if (args.includes('--json')) assert.doesNotThrow(() => JSON.parse(r.stdout), 'stdout is one JSON document');
  });
}

// Every `$ opendojo …` line in the CLI-facing pages (docs/cli.md, the Dojo and claims pages, the
// README) is run from the repository root and must exit 0; `--json` examples must print one
// parseable JSON document; and every generated excerpt (test/docs/excerpts.ts) must be what the
// program prints now, timings aside. The docs cannot drift from the CLI: after an intended change
// in the output, `npm run docs:update` rewrites the excerpts for review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES, blockBody, commandLines, findExcerpts, maskVolatile, root, runCommand, type Run } from '../docs/excerpts.js';

const pages = PAGES.map((name) => ({ name, text: readFileSync(join(root, name), 'utf8') }));
const cliPage = pages.find((p) => p.name === 'docs/cli.md')!;

test('docs/cli.md documents every command', () => {
  const commands = commandLines(cliPage.text);
  for (const cmd of ['simulate', 'plan', 'compare', 'validate', 'systems', 'models', 'sweep', 'claims']) {
    assert.ok(commands.some((c) => c.startsWith(`opendojo ${cmd}`)), `no example of opendojo ${cmd}`);
  }
});

// One run per distinct command, shared by the exit-code check and the excerpts that show it.
const runs = new Map<string, Run>();
const run = (command: string): Run => {
  if (!runs.has(command)) runs.set(command, runCommand(command));
  return runs.get(command)!;
};

const allCommands = [...new Set(pages.flatMap((p) => [...commandLines(p.text), ...findExcerpts(p.text, p.name).map((x) => x.command)]))];
for (const line of allCommands) {
  test(`docs example: ${line}`, () => {
    const r = run(line);
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    if (line.split(/\s+/).includes('--json')) assert.doesNotThrow(() => JSON.parse(r.stdout), 'stdout is one JSON document');
  });
}

for (const page of pages) {
  for (const x of findExcerpts(page.text, page.name)) {
    test(`${page.name} excerpt of "${x.command}"${x.stderr ? ' (stderr)' : ''} is what the program prints`, () => {
      const shown = page.text.slice(x.start, x.end);
      assert.equal(maskVolatile(shown), maskVolatile(blockBody(x, run(x.command))), `${page.name} is stale: run \`npm run docs:update\` and review the diff`);
    });
  }
}

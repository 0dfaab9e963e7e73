// `npm run docs:update`: rewrites every generated console excerpt in the docs from the program's
// current output (see excerpts.ts). Review the diff before committing it, as with any golden file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES, regenerate, root, runCommand } from './excerpts.js';

for (const name of PAGES) {
  const path = join(root, name);
  const page = readFileSync(path, 'utf8');
  const updated = regenerate(page, name, (command) => {
    const r = runCommand(command);
    if (r.status !== 0) throw new Error(`${name}: "${command}" exited ${r.status}\n${r.stderr}`);
    return r;
  });
  if (updated !== page) writeFileSync(path, updated);
  console.log(`${name}: ${updated === page ? 'unchanged' : 'updated'}`);
}

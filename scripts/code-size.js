// Reports the longest functions and the files over 300 lines in src/, so refactors can show
// before/after figures: `node scripts/code-size.js [count]`. Uses the TypeScript parser, so a
// function is what the compiler calls one (declarations, methods, arrows, function expressions).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? 10);

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const functions = [];
const longFiles = [];
for (const file of files(join(root, 'src'))) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const rel = relative(root, file);
  if (lines > 300) longFiles.push({ file: rel, lines });
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(sf) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)');
      functions.push({ where: `${rel}:${start + 1}`, name, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
functions.sort((a, b) => b.lines - a.lines);
longFiles.sort((a, b) => b.lines - a.lines);
console.log(`longest ${count} functions in src/:`);
for (const f of functions.slice(0, count)) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  (${f.where})`);
console.log('files over 300 lines in src/:');
for (const f of longFiles) console.log(`  ${String(f.lines).padStart(4)}  ${f.file}`);

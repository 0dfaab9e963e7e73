#!/usr/bin/env node
// Checks the architecture mechanically: src/ folders form a pipeline
//   common → specs → workloads → planner → simulators → emulator → engine → service → server → cli
// and a module may import only from its own layer or earlier ones. Below the CLI, no module may
// use Node-only APIs (node:*, fs, worker_threads, …) so the engine runs in a browser; `server`
// (HTTP, databases, queues) and `cli` may. Import
// cycles between files are rejected too. Exits 1 with one line per violation.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const LAYERS = ['common', 'specs', 'workloads', 'planner', 'simulators', 'emulator', 'engine', 'service', 'server', 'cli'];
const NODE_LAYERS = new Set(['server', 'cli']);
const NODE_ONLY = /^(node:|fs$|path$|os$|child_process$|worker_threads$|url$|commander$|pg$|@electric-sql\/pglite|bullmq$|ioredis$)/;

const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
})(src);

// src/index.ts, the package's programmatic entry, sits after every layer (it re-exports the facade)
// but is not a Node layer: the published API must stay browser-safe.
const layerOf = (file) => (relative(src, file) === 'index.ts' ? LAYERS.length : LAYERS.indexOf(relative(src, file).split('/')[0]));
// `… from 'x'`, side-effect `import 'x'` and dynamic `import('x')`, wherever they sit on a line.
const importRe = /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;
const problems = [];
const graph = new Map();

for (const file of files) {
  const layer = layerOf(file);
  const rel = relative(root, file);
  if (layer < 0) {
    problems.push(`${rel}: folder is not a known layer (${LAYERS.join(' → ')})`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const deps = [];
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      deps.push(target);
      const tl = layerOf(target);
      if (tl > layer) problems.push(`${rel}: imports ${relative(root, target)} (layer ${LAYERS[tl]} comes after ${LAYERS[layer]})`);
    } else if (NODE_ONLY.test(spec) && !NODE_LAYERS.has(LAYERS[layer])) {
      problems.push(`${rel}: imports Node-only module "${spec}"; only src/server and src/cli may`);
    }
  }
  graph.set(file, deps.filter((d) => d.endsWith('.ts')));
}

// Cycle detection (iterative DFS colouring).
const state = new Map();
for (const start of graph.keys()) {
  if (state.get(start)) continue;
  const stack = [[start, 0]];
  const path = [];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i === 0) {
      state.set(node, 1);
      path.push(node);
    }
    const deps = graph.get(node) ?? [];
    if (i < deps.length) {
      top[1]++;
      const next = deps[i];
      if (state.get(next) === 1) {
        const cycle = path.slice(path.indexOf(next)).concat(next).map((f) => relative(root, f));
        problems.push(`import cycle: ${cycle.join(' → ')}`);
      } else if (!state.get(next)) stack.push([next, 0]);
    } else {
      state.set(node, 2);
      path.pop();
      stack.pop();
    }
  }
}

if (problems.length) {
  console.error(`layer check: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`layer check: ${files.length} files, imports follow ${LAYERS.join(' → ')}, no cycles`);

// Console excerpts in the docs that show program output are generated, never typed: a fenced block
// preceded by a `<!-- generated … -->` comment holds what the command prints (or the lines of it
// the comment selects). `npm run docs:update` rewrites those blocks from the program;
// test/cli/docs-examples.test.ts fails when a page differs from what the program prints now.
//
// The comment's options, separated by `;`:
//   lines A-B,C-D   keep these 1-based output lines (negative counts from the end, `end` = last);
//                   a gap is shown as `…`
//   stderr          show what the command writes on stderr instead of stdout
//   command CMD     the command, for a ```text block that shows only output (a ```console
//                   block names it on its `$ opendojo …` line)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The pages whose `$ opendojo …` lines are run and whose generated blocks are checked. */
export const PAGES = ['docs/cli.md', 'docs/claims.md', 'docs/dojo-model.md', 'README.md'];

export interface Excerpt {
  /** Offsets of the block's body (between the fences) in the page. */
  start: number;
  end: number;
  command: string;
  /** The `$ …` line the body starts with, for ```console blocks. */
  prompt: boolean;
  stderr: boolean;
  lines?: [string, string][];
}

/** Split a documented command line into arguments (single and double quotes, no shell features). */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) args.push(m[1] ?? m[2] ?? m[3]!);
  return args;
}

/** Every `$ opendojo …` line in the page's ```console blocks. */
export function commandLines(page: string): string[] {
  return [...page.matchAll(/```console\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.startsWith('$ opendojo')).map((l) => l.slice(2).trim()));
}

export function findExcerpts(page: string, name: string): Excerpt[] {
  const out: Excerpt[] = [];
  for (const m of page.matchAll(/<!-- generated(?::([^>]*))? -->\n```(console|text)\n([\s\S]*?)```/g)) {
    const options = (m[1] ?? '').split(';').map((o) => o.trim()).filter(Boolean);
    const option = (key: string) => options.find((o) => o === key || o.startsWith(`${key} `))?.slice(key.length).trim();
    const body = m[3]!;
    const prompt = m[2] === 'console';
    const command = prompt ? /^\$ (opendojo .*)$/m.exec(body.split('\n')[0]!)?.[1] : option('command');
    if (!command) throw new Error(`${name}: a generated ${m[2]} block needs ${prompt ? 'a first line "$ opendojo …"' : 'a "command opendojo …" option'}`);
    const lines = option('lines')?.split(',').map((r) => {
      const range = /^(-?\d+)-(-?\d+|end)$/.exec(r.trim());
      if (!range) throw new Error(`${name}: lines "${r}" is not A-B`);
      return [range[1]!, range[2]!] as [string, string];
    });
    const start = m.index + m[0].indexOf(body, m[0].indexOf('```'));
    out.push({ start, end: start + body.length, command, prompt, stderr: option('stderr') !== undefined, ...(lines ? { lines } : {}) });
  }
  return out;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCommand(command: string): Run {
  const r = spawnSync(process.execPath, ['bin/opendojo.js', ...splitArgs(command).slice(1)], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The selected lines of an output, `…` where lines were left out. */
export function excerptOf(output: string, lines: [string, string][] | undefined): string {
  const all = output.replace(/\n+$/, '').split('\n');
  if (!lines) return all.join('\n');
  const at = (s: string) => (s === 'end' ? all.length : Number(s) < 0 ? all.length + Number(s) + 1 : Number(s));
  const kept: string[] = [];
  let next = 1;
  for (const [a, b] of lines) {
    const from = at(a);
    const to = Math.min(at(b), all.length);
    if (from > next) kept.push('…');
    kept.push(...all.slice(from - 1, to));
    next = to + 1;
  }
  if (next <= all.length) kept.push('…');
  return kept.join('\n');
}

/** The block body the page should hold for this excerpt, given the command's run. */
export function blockBody(x: Excerpt, run: Run): string {
  const text = excerptOf(x.stderr ? run.stderr : run.stdout, x.lines);
  return `${x.prompt ? `$ ${x.command}\n` : ''}${text}\n`;
}

/** Figures that differ from run to run (wall-clock timings), masked before comparing. */
export const maskVolatile = (text: string): string =>
  text.replace(/ in \d+(\.\d+)? s on \d+ worker/g, ' in ‹t› s on ‹n› worker').replace(/"elapsedSeconds": [\d.e-]+/g, '"elapsedSeconds": ‹t›');

/** The page with every generated block rewritten from `run` (a block that differs only in
 * timings is left as it is, so regenerating does not churn the diff). */
export function regenerate(page: string, name: string, run: (command: string) => Run): string {
  let out = page;
  for (const x of findExcerpts(page, name).reverse()) {
    const shown = page.slice(x.start, x.end);
    const body = blockBody(x, run(x.command));
    if (maskVolatile(body) !== maskVolatile(shown)) out = out.slice(0, x.start) + body + out.slice(x.end);
  }
  return out;
}

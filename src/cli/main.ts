// The `opendojo` command line: builds the commander program, runs one command and maps the
// outcome to an exit code (0 ok, 1 unexpected failure, 2 bad input or usage). This file holds the
// process's only exit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { InputError, formatIssues } from '../common/errors.js';
import { registerClaims } from './commands/claims.js';
import { registerClient } from './commands/client.js';
import { registerCompare } from './commands/compare.js';
import { registerModels } from './commands/models.js';
import { registerPlan } from './commands/plan.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerSweep } from './commands/sweep.js';
import { registerSystems } from './commands/systems.js';
import { registerValidate } from './commands/validate.js';
import type { CommandResult } from './format.js';
import { packageRoot } from './read-file.js';

const EXIT_FAILURE = 1;
const EXIT_INPUT = 2;

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function buildProgram(emit: (r: CommandResult, asJson: boolean) => void): Command {
  const program = new Command('opendojo')
    .description('Training-performance model of GPU clusters and Tesla Dojo: simulate a scenario, search parallel plans, compare systems.')
    .version(version())
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nRun `opendojo COMMAND --help` for a command\'s options and examples. Docs: docs/cli.md, docs/scenario-file.md.\n');
  // Commands are created through program.command() so they inherit exitOverride and output settings.
  registerSimulate(program, emit);
  registerPlan(program, emit);
  registerCompare(program, emit);
  registerValidate(program, emit);
  registerSystems(program, emit);
  registerModels(program, emit);
  registerSweep(program, emit);
  registerClaims(program, emit);
  registerServe(program);
  registerClient(program, emit);
  return program;
}

/** The issues once each; one problem with no key (a missing file, a syntax error) on one line. */
function inputMessage(e: InputError): string {
  const seen = new Set<string>();
  const issues = e.issues.filter((i) => !seen.has(`${i.path}\n${i.message}`) && seen.add(`${i.path}\n${i.message}`));
  const only = issues.length === 1 ? issues[0] : undefined;
  return only && !only.path ? `${e.origin}: ${only.message}` : formatIssues(e.origin, issues);
}

async function run(argv: string[]): Promise<number> {
  let exitCode = 0;
  const emit = (r: CommandResult, asJson: boolean) => {
    process.stdout.write(asJson ? `${JSON.stringify(r.json, null, 2)}\n` : `${r.text()}\n`);
    exitCode = r.exitCode ?? 0;
  };
  try {
    await buildProgram(emit).parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_INPUT; // commander printed its message
    if (e instanceof InputError) {
      process.stderr.write(`${inputMessage(e)}\n`);
      return EXIT_INPUT;
    }
    process.stderr.write(`opendojo: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.OPENDOJO_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return EXIT_FAILURE;
  }
}

const code = await run(process.argv);
// Let buffered output drain before leaving (stdout may be a pipe on some platforms).
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);

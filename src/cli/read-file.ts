// File access for the CLI: reads YAML or JSON by extension (parsed by engine/data-text, whose
// syntax errors name the file and line), and loads a scenario with its `system: { file }` inlined,
// so the same plain document can be sent to worker threads and parsed there without touching the disk.
import { readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../common/errors.js';
import { parseDataText } from '../engine/data-text.js';
import { parseScenario, type Scenario } from '../engine/scenario.js';
import { parseSystemSpec } from '../specs/registry.js';

/** The package root: this module is dist/src/cli/read-file.js once compiled. */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The published measurements `validate` scores against: the repository's copy of the upstream
 * calibration set (data/calibration/README.md says where it comes from). */
export const DEFAULT_CALIBRATION = resolve(packageRoot, 'data', 'calibration', 'calibration.json');

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(file, [{ path: '', message: 'no such file' }]);
    if (code === 'EISDIR') throw new InputError(file, [{ path: '', message: 'is a directory, not a file' }]);
    throw new InputError(file, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
}

/** Read a `.yaml`, `.yml` or `.json` file into plain data. */
export function readDataFile(file: string): unknown {
  const text = readText(file);
  const ext = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new InputError(file, [{ path: '', message: `unsupported file type "${ext || '(none)'}"; allowed: .yaml, .yml, .json` }]);
  }
  return parseDataText(text, file, ext === '.json' ? 'json' : 'yaml');
}

export interface LoadedScenario {
  scenario: Scenario;
  /** The scenario document with any `system.file` replaced by the file's contents. */
  document: Record<string, unknown>;
  origin: string;
}

/** Inline `system: { file: PATH, gpus: N }` (PATH relative to the scenario). The system file is
 * validated on its own first, so its errors name the system file rather than the scenario. */
function inlineSystemFile(doc: Record<string, unknown>, scenarioFile: string): Record<string, unknown> {
  const system = doc.system;
  if (!system || typeof system !== 'object' || Array.isArray(system) || typeof (system as { file?: unknown }).file !== 'string') return doc;
  const { file, ...rest } = system as { file: string };
  const path = join(dirname(scenarioFile), file);
  const shown = relative(process.cwd(), path) || path;
  const spec = readDataFile(shown);
  parseSystemSpec(spec, shown);
  return { ...doc, system: { ...(spec as object), ...rest } };
}

export function loadScenarioFile(file: string): LoadedScenario {
  const raw = readDataFile(file);
  const document = raw && typeof raw === 'object' && !Array.isArray(raw) ? inlineSystemFile(raw as Record<string, unknown>, file) : (raw as Record<string, unknown>);
  return { scenario: parseScenario(document, file), document, origin: file };
}

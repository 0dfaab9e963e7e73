// `opendojo validate`: scores the model's predictions against the published measurements in the
// calibration file and states whether the step-time rows meet the 3% mean-error target.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { zodIssues } from '../../common/zod-issues.js';
import { runCalibration, type CalibrationSummary } from '../../engine/calibration.js';
import * as f from '../format.js';
import { DEFAULT_CALIBRATION, readDataFile } from '../read-file.js';

/** Mean |error| over the step-time rows that counts as calibrated. */
export const TARGET_MEAN_ABS_ERROR = 0.03;

function calibrate(path: string): CalibrationSummary {
  try {
    return runCalibration(readDataFile(path));
  } catch (e) {
    if (e instanceof z.ZodError) throw new InputError(path, zodIssues(e));
    throw e;
  }
}

const measuredText = (x: number) => (Math.abs(x) >= 100 ? f.int(x) : f.num(x, 4));

function renderValidate(path: string, c: CalibrationSummary, pass: boolean): string {
  const rows = c.rows.map((r) => [r.id, r.metric, measuredText(r.measured), measuredText(r.predicted), f.signedPercent(r.error), r.target ? 'yes' : '']);
  const table = f.table([{ header: 'id' }, { header: 'metric' }, { header: 'measured', align: 'right' }, { header: 'predicted', align: 'right' }, { header: 'error', align: 'right' }, { header: 'target' }], rows);
  const t = c.target;
  const summary = f.fields([
    ['rows', String(t.count)],
    ['mean |error|', f.percent(t.meanAbsError, 2)],
    ['median |error|', f.percent(t.medianAbsError, 2)],
    ['worst |error|', `${f.percent(t.worstAbsError, 2)} (${t.worstId})`],
    ['result', `${pass ? 'PASS' : 'FAIL'}: mean |error| ${pass ? '≤' : '>'} ${f.percent(TARGET_MEAN_ABS_ERROR, 0)} target`],
  ]);
  const skipped = c.skipped.map((s) => `  - ${s.id}: ${s.reason}`).join('\n');
  return [
    `Calibration against ${relative(process.cwd(), path) || path}`,
    `${table}\n(error = predicted / measured - 1; "target" rows are the step-time rows scored against the accuracy target)`,
    f.section('Step-time target rows', summary),
    ...(c.skipped.length ? [f.section(`Skipped (${c.skipped.length})`, skipped)] : []),
  ].join('\n\n');
}

export function registerValidate(program: Command, emit: f.Emit): void {
  program
    .command('validate')
    .description('score predictions against published measurements (Megatron-LM step times, NCCL bus bandwidth) and check the 3% target')
    .option('--calibration <path>', 'calibration rows (JSON or YAML)', DEFAULT_CALIBRATION)
    .option('--json', 'print one JSON object: {rows, skipped, target, pass}')
    .option('--strict', 'exit 1 when the mean |error| of the target rows is above 3%')
    .addHelpText(
      'after',
      f.helpExamples([
        ['opendojo validate', 'table of signed errors and the PASS/FAIL summary'],
        ['opendojo validate --strict --json', 'as JSON; exit code 1 if the target is missed (for CI)'],
      ]),
    )
    .action((opts: { calibration: string; json?: boolean; strict?: boolean }) => {
      const c = calibrate(opts.calibration);
      const pass = c.target.count > 0 && c.target.meanAbsError <= TARGET_MEAN_ABS_ERROR;
      emit(
        {
          json: { calibration: opts.calibration, targetMeanAbsError: TARGET_MEAN_ABS_ERROR, pass, ...c },
          text: () => renderValidate(opts.calibration, c, pass),
          exitCode: opts.strict && !pass ? 1 : 0,
        },
        opts.json === true,
      );
    });
}

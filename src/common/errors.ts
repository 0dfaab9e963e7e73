// Errors as data: every boundary (spec file, scenario file, CLI flag, later HTTP body) reports
// problems as a list of issues naming the key, what was wrong and what is allowed.

export interface InputIssue {
  /** Dotted path of the offending key, e.g. `plan.tp` or `system.device.peakTflops.bf16`. */
  path: string;
  message: string;
}

export class InputError extends Error {
  readonly issues: InputIssue[];
  /** File or logical source the issues refer to (e.g. `examples/gpt3.yaml`). */
  readonly origin: string;

  constructor(origin: string, issues: InputIssue[]) {
    super(formatIssues(origin, issues));
    this.name = 'InputError';
    this.origin = origin;
    this.issues = issues;
  }
}

export function formatIssues(origin: string, issues: InputIssue[]): string {
  const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
  return `${origin}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}



export function issue(path: string, message: string): InputIssue {
  return { path, message };
}

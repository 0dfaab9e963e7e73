// Turns Zod's issue list into OpenDojo's InputIssue list, so every schema error names the key
// and the allowed values in the same words.
import type { z } from 'zod';
import { InputError, type InputIssue } from './errors.js';

export function zodIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
}

/** Parse `value` with `schema`; throw an InputError naming `origin` if it does not conform. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, origin: string, pathPrefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error).map((i) => ({
    ...i,
    path: pathPrefix ? (i.path ? `${pathPrefix}.${i.path}` : pathPrefix) : i.path,
  }));
  throw new InputError(origin, issues);
}

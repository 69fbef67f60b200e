/** The error of a rule file that does not parse or validate (kept apart from the parser, which loads YAML and zod). */
import { GuestguardError } from '../../errors.js';

/** Problems listed in one error message; the rest are counted. */
const MAX_LISTED = 20;

/**
 * A rule file that does not parse or validate. `code` is INVALID_POLICY (the CLI exits 2);
 * `problems` holds each "FILE:LINE:COL: field: message" line.
 */
export class PolicyError extends GuestguardError {
  readonly problems: string[];
  constructor(problems: string[], opts: { path?: string } = {}) {
    const shown = problems.slice(0, MAX_LISTED);
    const more = problems.length > MAX_LISTED ? `\n(${problems.length - MAX_LISTED} more problems)` : '';
    super('INVALID_POLICY', shown.join('\n') + more, opts.path !== undefined ? { path: opts.path } : {});
    this.problems = problems;
  }
}

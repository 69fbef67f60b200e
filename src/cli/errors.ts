import { describeError } from '../errors.js';

/** Exit codes shared by all commands. */
export const EXIT_OK = 0;
export const EXIT_NOT_FOUND_OR_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Prints one clear line for any error and exits with code 2 (bad input): never a stack trace. */
export function fail(err: unknown, code = EXIT_BAD_INPUT): never {
  process.stderr.write(`guestguard: ${describeError(err)}\n`);
  if (process.env['GUESTGUARD_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  process.exit(code);
}

/** Wraps a command action so every failure ends in fail(). */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void | number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      fail(err);
    }
  };
}

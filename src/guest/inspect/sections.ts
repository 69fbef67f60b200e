/** Runs one report section so that its failure is recorded instead of ending the inspection. */
import { GuestguardError } from '../../errors.js';
import type { SectionError } from './types.js';

export async function runSection<T>(section: string, errors: SectionError[], fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    // Damaged guest data arrives as a typed error; anything else is a guestguard bug, still
    // reported per section so one bad file never hides the rest of the guest.
    const message = err instanceof GuestguardError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
    errors.push({ section, message });
    return null;
  }
}

/** Keeps the first `limit` distinct messages. */
export function pushWarnings(into: string[], from: readonly string[], prefix = '', limit = 500): void {
  for (const w of from) {
    const m = prefix + w;
    if (into.length >= limit) return;
    if (!into.includes(m)) into.push(m);
  }
}

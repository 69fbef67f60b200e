/** Runs once before the whole suite: makes sure dist/ (used by CLI tests through ./bin/guestguard) exists. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';

export default function setup(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run the test command from the README (npm test), which builds first');
  }
}

import { Command, CommanderError } from 'commander';
import { registerDisk } from './commands/disk.js';
import { registerLs } from './commands/ls.js';
import { registerCat } from './commands/cat.js';
import { registerCopyOut } from './commands/copy-out.js';
import { registerFilesystems } from './commands/filesystems.js';
import { registerInspect } from './commands/inspect.js';
import { registerProfile } from './commands/profile.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerSandboxCommands } from './commands/sandbox.js';
import { EXIT_BAD_INPUT } from './errors.js';
import { VERSION } from '../version.js';

// A reader that stops early (`| head`) is not an error: exit quietly instead of crashing on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command();
program
  .name('guestguard')
  .description('Read, inspect and audit virtual machine disk images in user space, without booting them.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerDisk(program);
registerFilesystems(program);
registerLs(program);
registerCat(program);
registerCopyOut(program);
registerInspect(program);
registerProfile(program);
registerJobCommands(program);
registerSandboxCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; usage mistakes are bad input (exit 2).
    process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  }
  throw err;
}

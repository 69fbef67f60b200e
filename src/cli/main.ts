import { Command, CommanderError } from 'commander';
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

type Register = (p: Command) => void;
// Loading every command's modules (BullMQ, fastify, the sandbox layer...) costs more than a
// whole inspection of a small image, so a call loads only the command it runs; help, no
// command or an unknown one load them all.
const COMMANDS: Array<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['disk'], load: async () => (await import('./commands/disk.js')).registerDisk },
  { names: ['filesystems'], load: async () => (await import('./commands/filesystems.js')).registerFilesystems },
  { names: ['ls'], load: async () => (await import('./commands/ls.js')).registerLs },
  { names: ['cat'], load: async () => (await import('./commands/cat.js')).registerCat },
  { names: ['copy-out'], load: async () => (await import('./commands/copy-out.js')).registerCopyOut },
  { names: ['inspect'], load: async () => (await import('./commands/inspect.js')).registerInspect },
  { names: ['profile'], load: async () => (await import('./commands/profile.js')).registerProfile },
  { names: ['serve', 'worker', 'submit', 'status', 'result', 'list', 'cancel'], load: async () => (await import('./commands/jobs.js')).registerJobCommands },
  { names: ['run', 'seccomp', 'doctor', 'pool'], load: async () => (await import('./commands/sandbox.js')).registerSandboxCommands },
];
const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const chosen = COMMANDS.filter((c) => first !== undefined && c.names.includes(first));
// --version needs no command at all.
const versionOnly = args.length === 1 && (args[0] === '-V' || args[0] === '--version');
if (!versionOnly) for (const c of chosen.length > 0 ? chosen : COMMANDS) (await c.load())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; usage mistakes are bad input (exit 2).
    process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  }
  throw err;
}

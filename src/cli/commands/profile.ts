import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import type { ImageFormat } from '../../disk/disk-image.js';
import { GuestguardError } from '../../errors.js';
// Specific modules, not the engine's index: that one also loads the policy parser (YAML, zod).
import { PolicyError } from '../../audit/engine/policy-error.js';
import { profileDisks, type ProfileProgress } from '../../audit/engine/profile.js';
import { failsAt, severityRank } from '../../audit/engine/score.js';
import { SEVERITIES, type ProfileReport, type Severity } from '../../audit/engine/types.js';
import { isSeverity } from '../../audit/report/common.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../audit/report/render.js';
import { action, EXIT_NOT_FOUND_OR_FAILED, EXIT_OK } from '../errors.js';
import { IMAGE_FORMATS, imageOptions } from '../image-options.js';

interface ProfileOpts {
  profile?: string[];
  policy?: string[];
  format?: string;
  output?: string;
  failOn?: string;
  imageFormat?: ImageFormat;
  backingDir?: string;
  progress?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** --output's extension names the format when --format is not given. */
const FORMAT_BY_EXTENSION: [RegExp, ReportFormat][] = [
  [/\.sarif(\.json)?$/i, 'sarif'],
  [/\.html?$/i, 'html'],
  [/\.ya?ml$/i, 'yaml'],
  [/\.json$/i, 'json'],
  [/\.txt$/i, 'table'],
];

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('judge the operating systems on the disks against security, compliance and hardening rules (built-in profiles and your own YAML policies)')
    .argument('<image...>', 'disk images of one guest (the first is /dev/sda)')
    .option('--profile <ids>', `profiles to evaluate, comma-separated or repeated (built-in: security, compliance, hardening, windows; or ids from --policy files); default: every built-in profile, or only the --policy profiles when policy files are given`, collect)
    .option('--policy <file>', 'YAML rule file adding profiles or overriding built-in rules (repeatable; see docs/profile.md)', collect)
    .option('--format <format>', `output: ${REPORT_FORMATS.join(', ')} (default: from --output's extension, else table on a terminal, json otherwise)`)
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option('--fail-on <severity>', `exit 1 when a rule of this severity or above failed: ${SEVERITIES.join(', ')}`)
    .addOption(new Option('--image-format <format>', 'skip detection and open the images as this format').choices(IMAGE_FORMATS))
    .option('--backing-dir <dir>', 'folder to search for backing/parent images not found where the image names them')
    .option('-v, --progress', 'show progress, timing and every policy problem on stderr (progress is the default when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 when the report was written and no failed finding reaches --fail-on; 1 when one does',
        '(or when no operating system was found, so nothing could be judged); 2 on bad input (unreadable or',
        'damaged image, invalid policy file — reported as FILE:LINE:COL —, unknown profile or severity).',
        'JSON schema: docs/profile.schema.json. SARIF 2.1.0 is ready for code-scanning upload.',
      ].join('\n'),
    )
    .action(action(async (images: string[], o: ProfileOpts) => runProfile(images, o)));
}

async function runProfile(images: string[], o: ProfileOpts): Promise<number> {
  const failOn = parseSeverity(o.failOn);
  const format = chooseFormat(o.format, o.output);
  const profiles = o.profile
    ?.flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (o.profile && profiles!.length === 0) throw new GuestguardError('INVALID_ARGUMENT', '--profile: no profile id given');

  // A typo in --output should not cost a whole run.
  if (o.output !== undefined) await checkOutputDir(o.output);

  const showProgress = o.progress ?? Boolean(process.stderr.isTTY);
  const progress = showProgress ? new ProgressLine(Boolean(process.stderr.isTTY)) : undefined;
  const started = Date.now();
  let report: ProfileReport;
  try {
    report = await profileDisks(images, {
      ...imageOptions({ ...(o.backingDir !== undefined && { backingDir: o.backingDir }), ...(o.imageFormat !== undefined && { format: o.imageFormat }) }),
      ...(profiles !== undefined && { profiles }),
      ...(o.policy !== undefined && { policies: o.policy }),
      ...(progress && { onProgress: (e: ProfileProgress) => progress.update(progressText(e)) }),
    });
  } catch (err) {
    throw err instanceof PolicyError ? oneLinePolicyError(err, showProgress) : err;
  } finally {
    progress?.stop();
  }

  const color = format === 'table' && o.output === undefined && Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'];
  const text = await renderReport(report, format, { color });
  if (o.output !== undefined) await writeAtomically(o.output, text);
  else process.stdout.write(text);

  if (showProgress) {
    const rules = report.operating_systems.reduce((n, os) => n + os.findings.length, 0);
    process.stderr.write(`guestguard: ${report.operating_systems.length} operating system(s), ${rules} findings, score ${report.summary.score}/100 in ${((Date.now() - started) / 1000).toFixed(2)}s${o.output !== undefined ? ` → ${o.output}` : ''}\n`);
  }
  if (report.operating_systems.length === 0) {
    process.stderr.write('guestguard: no operating system found on the disks: nothing was evaluated\n');
    return EXIT_NOT_FOUND_OR_FAILED;
  }
  if (failOn !== undefined && failsAt(report, failOn)) {
    const n = report.operating_systems.reduce((sum, os) => sum + os.findings.filter((f) => f.status === 'fail' && severityRank(f.severity) >= severityRank(failOn)).length, 0);
    process.stderr.write(`guestguard: ${n} failed finding${n === 1 ? '' : 's'} at or above ${failOn} (--fail-on ${failOn})\n`);
    return EXIT_NOT_FOUND_OR_FAILED;
  }
  return EXIT_OK;
}

/**
 * The CLI's contract is one line on stderr for bad input: the first problem of a policy file,
 * with the count of the others (listed one per line with -v).
 */
function oneLinePolicyError(err: PolicyError, verbose: boolean): PolicyError {
  const [first, ...rest] = err.problems;
  if (rest.length === 0 || first === undefined) return err;
  if (verbose) for (const p of rest) process.stderr.write(`guestguard: also: ${p}\n`);
  return new PolicyError([`${first} (and ${rest.length} more problem${rest.length === 1 ? '' : 's'}${verbose ? ', listed above' : '; -v lists them'})`], err.path !== undefined ? { path: err.path } : {});
}

function parseSeverity(v: string | undefined): Severity | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (!isSeverity(s)) throw new GuestguardError('INVALID_ARGUMENT', `--fail-on: unknown severity "${v}" (expected one of ${SEVERITIES.join(', ')})`);
  return s;
}

function chooseFormat(format: string | undefined, output: string | undefined): ReportFormat {
  if (format !== undefined) {
    const f = format.trim().toLowerCase();
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new GuestguardError('INVALID_ARGUMENT', `--format: unknown format "${format}" (expected one of ${REPORT_FORMATS.join(', ')})`);
    return f as ReportFormat;
  }
  if (output !== undefined) return FORMAT_BY_EXTENSION.find(([re]) => re.test(output))?.[1] ?? 'json';
  return process.stdout.isTTY ? 'table' : 'json';
}

async function checkOutputDir(path: string): Promise<void> {
  const dir = dirname(path);
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    throw new GuestguardError('NOT_FOUND', `cannot write ${path}: folder ${dir} does not exist (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { path });
  }
  if (!st.isDirectory()) throw new GuestguardError('NOT_A_DIRECTORY', `cannot write ${path}: ${dir} is not a folder`, { path });
}

/** A reader of --output never sees half a report: write a sibling temp file, then rename over. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new GuestguardError('IO_ERROR', `cannot write ${path}: ${e.code ?? ''} ${e.message}`.trim(), { path });
  }
}

/** "[1/2] /dev/sda2: 25/180 rules" — the OS index only when there are several. */
function progressText(e: ProfileProgress): string {
  return (e.os !== undefined && e.of !== undefined && e.of > 1 ? `[${e.os}/${e.of}] ` : '') + e.message;
}

/** One rewritten status line with elapsed time on a terminal; one line per step otherwise. */
class ProgressLine {
  private readonly started = Date.now();

  constructor(private readonly tty: boolean) {}

  update(message: string): void {
    const line = `guestguard: ${((Date.now() - this.started) / 1000).toFixed(1)}s ${message}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, (process.stderr.columns || 100) - 1))}`);
    else process.stderr.write(`${line}\n`);
  }

  stop(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}

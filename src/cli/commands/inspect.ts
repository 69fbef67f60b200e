import { Option, type Command } from 'commander';
import type { ImageFormat } from '../../disk/disk-image.js';
import { inspectDisks, reportToTable, reportToXml, type InspectionReport, type InspectProgress, type InspectSection } from '../../guest/inspect/index.js';
import { action, EXIT_NOT_FOUND_OR_FAILED, EXIT_OK } from '../errors.js';
import { IMAGE_FORMATS, imageOptions } from '../image-options.js';

const OUTPUT_FORMATS = ['json', 'xml', 'yaml', 'table'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** Sections reportToXml does not print (it prints identity, mount points, filesystems, applications). */
const XML_OMITS = ['services', 'users', 'network', 'kernels', 'security'] as const;
/** Same choices as the other commands' --format; here --format names the output, so the image format is --image-format. */

interface InspectOpts {
  format?: OutputFormat;
  imageFormat?: ImageFormat;
  backingDir?: string;
  progress?: boolean;
  packages: boolean;
  services: boolean;
  users: boolean;
  network: boolean;
  kernels: boolean;
  security: boolean;
}

export function registerInspect(program: Command): void {
  const cmd = program
    .command('inspect')
    .description('find every operating system on the disks and report what it is and what is installed (like virt-inspector)')
    .argument('<image...>', 'disk images of one guest (the first is /dev/sda)')
    .addOption(new Option('--format <format>', 'output: json (the documented schema), xml (virt-inspector\'s format), yaml, or table (default: table on a terminal, json otherwise)').choices(OUTPUT_FORMATS))
    .addOption(new Option('--image-format <format>', 'skip detection and open the images as this format').choices(IMAGE_FORMATS))
    .option('--backing-dir <dir>', 'folder to search for backing/parent images not found where the image names them')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .option('--no-packages', 'skip installed packages / applications')
    .option('--no-services', 'skip services')
    .option('--no-users', 'skip users and groups')
    .option('--no-network', 'skip network configuration')
    .option('--no-kernels', 'skip kernels and boot configuration')
    .option('--no-security', 'skip security configuration')
    .addHelpText(
      'after',
      '\nExit status: 0 when an operating system was found, 1 when none was, 2 on bad input (unreadable or damaged image, bad options).\nJSON schema: docs/inspection.schema.json',
    );
  cmd.action(
    action(async (images: string[], o: InspectOpts) => {
      const format: OutputFormat = o.format ?? (process.stdout.isTTY ? 'table' : 'json');
      const showProgress = o.progress ?? Boolean(process.stderr.isTTY);
      const skip: Partial<Record<InspectSection, boolean>> = {};
      for (const s of ['packages', 'services', 'users', 'network', 'kernels', 'security'] as const) if (!o[s]) skip[s] = true;
      // virt-inspector's XML has no place for these sections: do not read what will not be printed.
      if (format === 'xml') for (const s of XML_OMITS) skip[s] = true;
      const progress = showProgress ? new ProgressLine(Boolean(process.stderr.isTTY)) : undefined;
      let report: InspectionReport;
      try {
        report = await inspectDisks(images, {
          ...imageOptions({ ...(o.backingDir !== undefined && { backingDir: o.backingDir }), ...(o.imageFormat !== undefined && { format: o.imageFormat }) }),
          skip,
          ...(progress && { onProgress: (e: InspectProgress) => progress.update(e) }),
        });
      } finally {
        progress?.stop();
      }
      process.stdout.write(await render(report, format));
      if (report.operating_systems.length === 0) {
        process.stderr.write('guestguard: no operating system found on the disks\n');
        return EXIT_NOT_FOUND_OR_FAILED;
      }
      return EXIT_OK;
    }),
  );
}

async function render(report: InspectionReport, format: OutputFormat): Promise<string> {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'yaml': {
      // No anchors/aliases: consumers should not need YAML reference support; no line folding.
      // The library is loaded only for this format.
      const { stringify: toYaml } = await import('yaml');
      return toYaml(report, { aliasDuplicateObjects: false, lineWidth: 0 });
    }
    case 'xml':
      return reportToXml(report);
    case 'table':
      return reportToTable(report);
  }
}

const SPINNER = ['|', '/', '-', '\\'];

/** One rewritten status line with elapsed time on a terminal; one line per step otherwise. */
class ProgressLine {
  private readonly started = Date.now();
  private message = 'starting';
  private frame = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly tty: boolean) {
    if (tty) {
      this.timer = setInterval(() => this.draw(), 200);
      this.timer.unref();
    }
  }

  update(e: InspectProgress): void {
    const where = e.os !== undefined && e.of !== undefined && e.of > 1 ? `[${e.os}/${e.of}] ` : '';
    this.message = where + e.message;
    if (this.tty) this.draw();
    else process.stderr.write(`guestguard: ${this.elapsed()} ${this.message}\n`);
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }

  private draw(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    const line = `${SPINNER[this.frame]} ${this.elapsed().padStart(6)} inspecting: ${this.message}`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, (process.stderr.columns || 100) - 1))}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}

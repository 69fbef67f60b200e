/**
 * Headless Chromium (Debian package `chromium`) as the judge of the HTML report: a screenshot
 * and the DOM as the browser built it, plus the console messages it logged for the page.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasTool } from '../helpers/fixtures.js';

export const CHROMIUM = ['chromium', 'chromium-browser'].find(hasTool);

const COMMON = ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-extensions', '--enable-logging=stderr', '--v=0'];

export interface ChromiumRun {
  status: number;
  stdout: string;
  stderr: string;
  /** Console messages the page produced (script errors, CSP violations, blocked loads). */
  consoleMessages: string[];
}

function chromium(args: string[], timeoutMs = 90_000): ChromiumRun {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  // A private profile: runs do not share state or fight over a lock.
  const profile = mkdtempSync(join(tmpdir(), 'gg-chromium-'));
  try {
    const r = spawnSync(CHROMIUM, [...COMMON, `--user-data-dir=${profile}`, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, HOME: profile } });
    const stderr = r.stderr?.toString('utf8') ?? '';
    return {
      status: r.status ?? -1,
      stdout: r.stdout?.toString('utf8') ?? '',
      stderr,
      consoleMessages: stderr.split('\n').filter((l) => /:CONSOLE[:(\]]/.test(l)),
    };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export function screenshot(htmlPath: string, pngPath: string, width: number, height: number): ChromiumRun {
  return chromium([`--screenshot=${pngPath}`, `--window-size=${width},${height}`, pathToFileURL(htmlPath).href]);
}

export function dumpDom(htmlPath: string): ChromiumRun {
  return chromium(['--dump-dom', pathToFileURL(htmlPath).href]);
}

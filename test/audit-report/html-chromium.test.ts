/**
 * The HTML report in a real browser: headless Chromium renders it (screenshot decoded and
 * checked for size, content and the styles being applied), logs nothing for the page, and
 * the DOM it builds holds the score and findings but no script element — even with hostile
 * evidence. A control page proves the console check can see a violation. Skipped when
 * chromium is absent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/audit/report/index.js';
import { CHROMIUM, dumpDom, screenshot } from './chromium.js';
import { debianReport } from './fixture-report.js';
import { decodePng, lumaStats, pixelAt } from './png.js';

describe.runIf(CHROMIUM !== undefined)('HTML report in headless Chromium', () => {
  let dir: string;
  let htmlPath: string;
  const report = debianReport();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gg-html-'));
    htmlPath = join(dir, 'report.html');
    writeFileSync(htmlPath, renderHtml(report));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders a non-blank, styled page without console errors', () => {
    const png = join(dir, 'report.png');
    const r = screenshot(htmlPath, png, 1280, 2000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.consoleMessages).toEqual([]);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([1280, 2000]);
    const stats = lumaStats(img);
    expect(stats.variance).toBeGreaterThan(200);
    expect(stats.distinct).toBeGreaterThan(100);
    // The stylesheet applied: dark header band on top, light page background below it.
    const [hr, hg, hb] = pixelAt(img, 8, 8);
    expect(hr + hg + hb).toBeLessThan(120);
    const [br, bg, bb] = pixelAt(img, 8, 1200);
    expect(br + bg + bb).toBeGreaterThan(700);
  });

  it('builds a DOM with the score and the findings, and no script element', () => {
    const r = dumpDom(htmlPath);
    expect(r.status, r.stderr).toBe(0);
    expect(r.consoleMessages).toEqual([]);
    const dom = r.stdout;
    expect(dom).toMatch(new RegExp(`<text class="num score"[^>]*>${report.summary.score}</text>`));
    for (const f of report.operating_systems[0]!.findings.filter((x) => x.status === 'fail')) expect(dom).toContain(`<h5>${f.title}</h5>`);
    expect(dom).toContain('<span class="ln">32</span>PermitRootLogin yes');
    expect(dom).not.toMatch(/<script|<img/i);
    // The planted markup is text in the DOM.
    expect(dom).toContain('x&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('control: the console check sees what the report must never cause', () => {
    // What a failure of escaping would look like: the CSP blocks it, and Chromium says so.
    const broken = join(dir, 'broken.html');
    writeFileSync(broken, renderHtml(report).replace('<main>', '<main><script>document.title="owned"</script>'));
    const r = dumpDom(broken);
    expect(r.consoleMessages.join('\n')).toMatch(/Content Security Policy/);
    expect(r.stdout).not.toContain('<title>owned</title>');
  });
});

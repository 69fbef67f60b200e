/** One entry point over every format, for the CLI and the job runner. */
import type { ProfileReport } from '../engine/types.js';
import { renderHtml } from './html.js';
import { renderJson, renderYaml } from './json.js';
import { renderSarif } from './sarif.js';
import { renderTable } from './table.js';

export const REPORT_FORMATS = ['json', 'yaml', 'table', 'sarif', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export async function renderReport(report: ProfileReport, format: ReportFormat, opts: { color?: boolean } = {}): Promise<string> {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'yaml':
      return renderYaml(report);
    case 'table':
      return renderTable(report, { color: opts.color ?? false });
    case 'sarif':
      return renderSarif(report);
    case 'html':
      return renderHtml(report);
  }
}

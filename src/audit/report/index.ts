/** Output formats of `guestguard profile`: json (docs/profile.schema.json), yaml, table, SARIF 2.1.0, HTML. */
export { renderJson, renderYaml, canonicalReport } from './json.js';
export { renderTable, type TableOptions } from './table.js';
export { renderSarif, buildSarif, guestPathToUri, SARIF_SCHEMA_URI } from './sarif.js';
export { renderHtml, escapeHtml } from './html.js';
export { isSeverity, osTitle } from './common.js';
export { renderReport, REPORT_FORMATS, type ReportFormat } from './render.js';

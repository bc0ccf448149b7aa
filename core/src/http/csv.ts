import { stringify, type Input, type Options } from 'csv-stringify/sync';

/**
 * CSV for people to open in a spreadsheet: a cell that begins with `=`, `+`, `-`, `@`, a tab or
 * a carriage return (or their full-width forms) gets a leading `'`, so a spreadsheet shows it
 * as text instead of running it as a formula (OWASP, CSV injection). The one way MindFlow
 * writes CSV; NDJSON and JSON carry the exact values.
 */
export function spreadsheetCsv(rows: Input, options: Omit<Options, 'escape_formulas'> = {}): string {
  return stringify(rows, { ...options, escape_formulas: true });
}

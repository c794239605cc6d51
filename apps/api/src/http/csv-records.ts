import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { DomainError } from '#libs/domain';

/** A CSV record as read (row numbers count from 1, the header included), or why it could not be. */
export type CsvItem =
  { row: number; record: string[] } | { row: number; field: string; reason: string };

/**
 * Reads CSV records from a stream. A record that cannot be read (a stray quote) is reported by
 * line and skipped while the rest go on; a file that cannot be read at all is a 400.
 */
export async function* csvRecords(input: Readable): AsyncGenerator<CsvItem> {
  const parser = input.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      skip_records_with_error: true,
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  const unreadable: CsvItem[] = [];
  parser.on('skip', (err: CsvError & { lines?: number }) => {
    unreadable.push({ row: err.lines ?? 0, field: 'csv', reason: err.message });
  });
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      yield* unreadable.splice(0);
      row += 1;
      yield { row, record };
    }
    yield* unreadable.splice(0);
  } catch (err) {
    if (err instanceof CsvError) {
      throw new DomainError('validation_failed', 'the CSV cannot be read', [
        { field: `row ${row + 1}`, reason: (err as Error).message },
      ]);
    }
    throw err;
  }
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * One CSV cell, quoted, with spreadsheet formula injection neutralised: a text that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with a quote mark.
 * Plain numbers such as +447700900123 are left as they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export const csvLine = (cells: (string | number | null | undefined)[]) =>
  `${cells.map(csvCell).join(',')}\r\n`;

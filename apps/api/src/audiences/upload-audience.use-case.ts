import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  parseAudienceMember,
  parseCsvMember,
  parseMemberValues,
  type AudienceMember,
} from '#libs/domain';
import { AudienceRepository } from '#libs/persistence';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { csvRecords } from '../http/csv-records.js';
import { readUpload } from '../http/upload-streams.js';

const BATCH = 2_000;
const MAX_ERRORS_LISTED = 100;

export type UploadFormat = 'csv' | 'ndjson';

interface RowError {
  row: number;
  field: string;
  reason: string;
}

/**
 * Streams an audience upload (CSV or NDJSON) into PostgreSQL in batches: memory stays flat
 * whatever the size. Each row is checked and normalised; bad rows are reported with their row
 * number and skipped; duplicate numbers are kept once.
 *
 * CSV: a header row whose first column is `phone`; every further column is a template
 * parameter named by its header (a parameter key: `first_name`, `button_1_url`…), or for legacy
 * templates a body variable, in order. NDJSON: one `{"phone": "...", "values": {...}}` (or
 * `"variables": ["..."]`) per line. Values are checked against a template when a campaign is
 * launched on the audience, so a row lacking a value is named then, not here.
 */
@Injectable()
export class UploadAudienceUseCase {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly audiences: AudienceRepository,
  ) {}

  async execute(workspaceId: string, name: string, format: UploadFormat, body: Readable) {
    const id = randomUUID();
    await this.audiences.create(id, workspaceId, name);
    const errors: RowError[] = [];
    let rejected = 0;
    let valid = 0;
    let members = 0;
    let batch: AudienceMember[] = [];
    const flush = async () => {
      members += await this.audiences.append(id, batch);
      batch = [];
    };
    try {
      const limited = readUpload(body, this.config.AUDIENCE_MAX_BYTES);
      for await (const item of format === 'csv' ? csvRows(limited) : ndjsonRows(limited)) {
        const result = 'reason' in item ? item : parseRow(item);
        if ('member' in result) {
          valid += 1;
          batch.push({ ...result.member, row: item.row });
          if (batch.length >= BATCH) await flush();
        } else {
          rejected += 1;
          if (errors.length < MAX_ERRORS_LISTED) {
            errors.push({ row: item.row, field: result.field, reason: result.reason });
          }
        }
      }
      await flush();
    } catch (err) {
      await this.audiences.finish(id, 'failed', { members, duplicates: 0, rejected });
      throw err;
    }
    const counts = { members, duplicates: valid - members, rejected };
    await this.audiences.finish(id, 'ready', counts);
    return { id, name, status: 'ready' as const, ...counts, errors };
  }
}

/** A row as read, or why it could not be read. */
type RawRow =
  | { row: number; phone: unknown; cells: string[]; names: string[] }
  | { row: number; phone: unknown; variables: unknown; values: unknown }
  | { row: number; field: string; reason: string };

function parseRow(item: Exclude<RawRow, { reason: string }>) {
  if ('cells' in item) return parseCsvMember(item.phone, item.cells, item.names);
  const values = parseMemberValues(item.values);
  if ('reason' in values) return values;
  const parsed = parseAudienceMember(item.phone, item.variables);
  return 'member' in parsed ? { member: { ...parsed.member, values: values.values } } : parsed;
}

async function* csvRows(input: Readable): AsyncGenerator<RawRow> {
  let header: string[] | undefined;
  for await (const item of csvRecords(input)) {
    if (!('record' in item)) {
      yield item;
    } else if (!header) {
      header = item.record;
      if (header[0]?.toLowerCase() !== 'phone') {
        throw new DomainError(
          'validation_failed',
          'the CSV header must start with a phone column',
          [{ field: 'row 1', reason: 'first column must be named "phone"' }],
        );
      }
    } else {
      yield {
        row: item.row,
        phone: item.record[0],
        cells: item.record.slice(1),
        names: header.slice(1).map((name) => name.trim().toLowerCase()),
      };
    }
  }
}

async function* ndjsonRows(input: Readable): AsyncGenerator<RawRow> {
  let row = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    row += 1;
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      yield { row, field: 'line', reason: 'not valid JSON' };
      continue;
    }
    const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
    yield { row, phone: obj.phone, variables: obj.variables, values: obj.values };
  }
}

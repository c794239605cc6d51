import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import {
  checkContactHeader,
  DomainError,
  parseContactRow,
  type ContactDefaults,
  type ParsedContact,
} from '#libs/domain';
import { ContactRepository } from '#libs/persistence';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { csvRecords } from '../http/csv-records.js';
import { readUpload } from '../http/upload-streams.js';

const BATCH = 2_000;
const MAX_ERRORS_LISTED = 100;

export interface ImportOptions {
  listId: string | null;
  consentSource?: string;
  consentPurpose?: string;
}

/**
 * Streams a contacts CSV into PostgreSQL in batches, so memory stays flat at any size: each row
 * is checked and normalised to E.164, a number seen earlier in the file is counted as a
 * duplicate and skipped, known contacts are merged, and bad rows are reported with their row
 * number and field while the rest are imported.
 */
@Injectable()
export class ImportContactsUseCase {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(workspaceId: string, options: ImportOptions, body: Readable) {
    const defaults: ContactDefaults = {
      consentAt: new Date().toISOString(),
      consentSource: options.consentSource,
      consentPurpose: options.consentPurpose,
    };
    const errors: { row: number; field: string; reason: string }[] = [];
    const seen = new Set<string>();
    const totals = { rows: 0, created: 0, updated: 0, duplicates: 0, rejected: 0 };
    let batch: ParsedContact[] = [];
    const flush = async () => {
      const written = await this.contacts.upsertBatch(
        workspaceId,
        batch,
        options.listId ? [options.listId] : [],
      );
      totals.created += written.created;
      totals.updated += written.updated;
      batch = [];
    };
    const reject = (row: number, field: string, reason: string) => {
      totals.rejected += 1;
      if (errors.length < MAX_ERRORS_LISTED) errors.push({ row, field, reason });
    };

    let header: string[] | undefined;
    for await (const item of csvRecords(readUpload(body, this.config.AUDIENCE_MAX_BYTES))) {
      if (!('record' in item)) {
        totals.rows += 1;
        reject(item.row, item.field, item.reason);
        continue;
      }
      if (!header) {
        const issue = checkContactHeader(item.record);
        if (issue)
          throw new DomainError('validation_failed', 'the CSV header is not usable', [issue]);
        header = item.record;
        continue;
      }
      totals.rows += 1;
      const parsed = parseContactRow(header, item.record, defaults);
      if (!('contact' in parsed)) {
        reject(item.row, parsed.field, parsed.reason);
      } else if (seen.has(parsed.contact.phone)) {
        totals.duplicates += 1;
      } else {
        seen.add(parsed.contact.phone);
        batch.push(parsed.contact);
        if (batch.length >= BATCH) await flush();
      }
    }
    if (!header) {
      throw new DomainError('validation_failed', 'the CSV is empty', [
        { field: 'header', reason: 'a header row with a "phone" column is required' },
      ]);
    }
    if (batch.length) await flush();
    return { ...totals, imported: totals.created + totals.updated, errors };
  }
}

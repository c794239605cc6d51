import { randomUUID } from 'node:crypto';
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
 * duplicate and skipped (PostgreSQL remembers the numbers, not the API), known contacts are
 * merged, and bad rows are reported with their row number and field while the rest are
 * imported. The next batch is parsed while the last one is written; one write at a time keeps
 * the file's order, so a repeated number's first row is the one imported.
 */
@Injectable()
export class ImportContactsUseCase {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(workspaceId: string, options: ImportOptions, body: Readable) {
    const importId = randomUUID();
    try {
      return await this.importRows(workspaceId, importId, options, body);
    } finally {
      await this.contacts.endImport(importId);
    }
  }

  private async importRows(
    workspaceId: string,
    importId: string,
    options: ImportOptions,
    body: Readable,
  ) {
    const defaults: ContactDefaults = {
      consentAt: new Date().toISOString(),
      consentSource: options.consentSource,
      consentPurpose: options.consentPurpose,
    };
    const listIds = options.listId ? [options.listId] : [];
    const errors: { row: number; field: string; reason: string }[] = [];
    const totals = { rows: 0, created: 0, updated: 0, duplicates: 0, rejected: 0 };
    let batch: ParsedContact[] = [];
    // The batch being written, if any; its failure is seen by whoever awaits it next.
    let written: Promise<void> = Promise.resolve();
    const write = async (rows: ParsedContact[]) => {
      const counts = await this.contacts.importBatch(workspaceId, importId, rows, listIds);
      totals.created += counts.created;
      totals.updated += counts.updated;
      totals.duplicates += counts.duplicates;
    };
    const flush = async () => {
      await written;
      written = write(batch);
      written.catch(() => undefined);
      batch = [];
    };
    const reject = (row: number, field: string, reason: string) => {
      totals.rejected += 1;
      if (errors.length < MAX_ERRORS_LISTED) errors.push({ row, field, reason });
    };

    try {
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
        } else {
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
      await written;
    } finally {
      // Whatever ended the file, no write of this import is left running.
      await written.catch(() => undefined);
    }
    return { ...totals, imported: totals.created + totals.updated, errors };
  }
}

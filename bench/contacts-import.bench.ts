import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuByChild, peakRssMb } from './support/proc.js';
import { importContacts, writeContactsCsv } from './support/contacts-csv.js';
import { engineApi } from './support/engine-api.js';
import { logSummary } from './support/engine-logs.js';
import { rssMb, sampleRss } from './support/rss-sampler.js';
import { benchLog as log, numberOption, round, withStack } from './support/stack.js';

const USAGE = `npm run bench -- contacts-import [--rows N]

Generates a CSV of N contacts (valid UK mobile numbers, name, attributes, time zone, consent),
streams it in one request to POST /v1/contacts/import into a new list, and prints one JSON
line: rows, created, rejected, seconds, rowsPerSec, and the API process's peak memory while
it imported. Default N: 100000.`;

export async function contactsImportBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const rows = numberOption('rows', values.rows);

  const figures = await withStack({ workers: 1 }, async (engine, dir) => {
    const file = path.join(dir, 'contacts.csv');
    const bytes = await writeContactsCsv(file, rows);
    log(`wrote ${rows} contacts (${(bytes / 1024 / 1024).toFixed(1)} MiB) to ${file}`);
    const api = await engineApi(engine);
    const apiPid = engine.processes().find((p) => p.name === 'api')!.pid;
    const logsFrom = engine.logs.length;

    const cpuOf = async () => {
      const names = new Map(engine.processes().map((p) => [p.pid, p.name]));
      return cpuByChild(
        process.pid,
        ({ pid, comm }) => names.get(pid) ?? (comm.startsWith('postgres') ? 'postgres' : comm),
      );
    };
    const rssBefore = await rssMb(apiPid);
    const cpuBefore = await cpuOf();
    const sampler = sampleRss(apiPid, 50);
    log(`importing ${rows} rows in one request`);
    const imported = await importContacts(api, file, 'bench import');
    const rss = await sampler.stop();
    const cpuAfter = await cpuOf();
    log(`imported in ${imported.seconds.toFixed(1)} s`);

    // What landed: contacts and list members, counted in PostgreSQL.
    const db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
    const members = await db
      .query<{ n: string }>('select count(*) as n from contact_list_members where list_id = $1', [
        imported.listId,
      ])
      .finally(() => db.end());

    const { report } = imported;
    return {
      bench: 'contacts-import',
      rows: report.rows,
      created: report.created,
      updated: report.updated,
      duplicates: report.duplicates,
      rejected: report.rejected,
      listMembers: Number(members.rows[0].n),
      csvMiB: round(bytes / 1024 / 1024, 1),
      seconds: round(imported.seconds, 2),
      rowsPerSec: round(report.rows / imported.seconds, 0),
      apiRssBeforeMb: rssBefore,
      apiPeakRssMb: rss.peakMb,
      apiRssSamples: rss.samples,
      apiLifetimePeakRssMb: await peakRssMb(apiPid),
      cpuSeconds: Object.fromEntries(
        Object.entries(cpuAfter)
          .map(([k, v]) => [k, round(v - (cpuBefore[k] ?? 0), 1)] as const)
          .filter(([, v]) => v > 0),
      ),
      firstErrors: report.errors.slice(0, 5),
      engineLogs: logSummary(engine.logs, logsFrom),
    };
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

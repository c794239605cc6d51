import { campaignBench } from './campaign.bench.js';
import { contactsImportBench } from './contacts-import.bench.js';
import { dripBench } from './drip.bench.js';

/**
 * `npm run bench -- <name> [options]`: benchmarks that run the whole stack on this machine and
 * print their figures as one JSON line. `--help` after a name lists its options.
 */
const benches: Record<string, (argv: string[]) => Promise<void>> = {
  campaign: campaignBench,
  /** One streamed CSV import of N contacts into a list: rows/s and the API's peak memory. */
  'contacts-import': contactsImportBench,
  /** A list enrolled in a three-send drip sequence: enrolments/s, sends/s, limits kept. */
  drip: dripBench,
  /** The sandbox alone: how many sends a second it accepts, so it is never the bottleneck. */
  sandbox: async (argv) => {
    process.argv = [...process.argv.slice(0, 2), ...argv];
    await import('./sandbox.bench.js');
  },
};

const [name = '', ...argv] = process.argv.slice(2);
const bench = benches[name];
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--help]\n`);
  process.exit(2);
}
await bench(argv);

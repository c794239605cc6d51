import { Context } from '@temporalio/activity';
import type { EnrolmentJobRepository, SequenceRepository } from '#libs/persistence';
import type { SequenceRunnerActivities } from '#workflows/sequence-runner.activities';

/** Contacts one job step enrols (one statement). */
const JOB_BATCH = 10_000;
/** An enrolment-jobs attempt hands back to the runner after this long. */
const JOBS_BUDGET_MS = 5 * 60_000;

/** The sequence runner's bookkeeping and enrolment jobs; its sending is `sendRecipients`. */
export function createSequenceRunnerActivities(deps: {
  sequences: SequenceRepository;
  jobs: EnrolmentJobRepository;
}): SequenceRunnerActivities {
  return {
    async setSequencePaused({ sequenceId, paused, reason, actor }) {
      await deps.sequences.setPaused(null, sequenceId, paused, { reason, actor });
    },
    sequenceProgress: ({ sequenceId }) => deps.sequences.progress(sequenceId),
    async runEnrolmentJobs({ sequenceId }) {
      const started = Date.now();
      let enrolled = 0;
      for (const id of await deps.jobs.running(sequenceId)) {
        try {
          for (;;) {
            const step = await deps.jobs.step(id, JOB_BATCH);
            enrolled += step.enrolled;
            Context.current().heartbeat({ job: id, enrolled });
            if (!step.more) break;
            if (Date.now() - started > JOBS_BUDGET_MS) return { more: true, enrolled };
          }
        } catch (err) {
          // A job that cannot go on (its sequence or version gone, a bad selection) fails
          // with the reason; the runner's other work goes on.
          Context.current().log.warn('enrolment job failed', {
            sequenceId,
            job: id,
            err: String(err),
          });
          await deps.jobs.fail(id, (err as Error).message);
        }
      }
      return { more: false, enrolled };
    },
  };
}

import type { EnrolmentCounts } from './sequence-runner.definitions.js';

/** The runner's own bookkeeping; it sends through the campaigns' `sendRecipients`. */
export interface SequenceRunnerActivities {
  /** Records the sequence's pause (or resume) with its reason and actor, as the API shows it. */
  setSequencePaused(input: {
    sequenceId: string;
    paused: boolean;
    reason: string | null;
    actor: string | null;
  }): Promise<void>;
  /** Enrolments by status, and active ones by step and phase. */
  sequenceProgress(input: { sequenceId: string }): Promise<EnrolmentCounts>;
  /**
   * Works through the sequence's running enrolment jobs, a batch of contacts per statement;
   * `more` when its time budget ran out first.
   */
  runEnrolmentJobs(input: { sequenceId: string }): Promise<{ more: boolean; enrolled: number }>;
}

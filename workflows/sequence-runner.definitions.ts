import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CountsSnapshot } from '#libs/domain';
import type { ControlRequest } from './campaign.definitions.js';

/**
 * Everything the sequence runner (one workflow per sequence, advancing its enrolments in
 * batches and sending their messages through the campaigns' send core) and its clients share.
 */

export const sequenceRunnerId = (sequenceId: string) => `sequence-${sequenceId}`;

export interface SequenceRunnerInput {
  sequenceId: string;
  workspaceId: string;
  /** How long an `unknown` send waits for a status before it fails as `unknown_outcome`. */
  unknownWindowMs: number;
  /** Signals one run takes before it continues as new, well below Temporal's cap per execution. */
  maxSignalsPerRun: number;
  carried?: RunnerState;
}

export interface RunnerState {
  paused: boolean;
  reason: string | null;
  actor: string | null;
  /** Nothing to send before this (epoch ms); null: look now. */
  resumeAt: number | null;
  /** Waiting for a wake signal only (nothing due, nothing pending). */
  idle: boolean;
  /** Enrolment jobs may be waiting to run (they run even while the sequence is paused). */
  jobs: boolean;
  nextUnknownExpiryAt: number | null;
  progress: SequenceProgress['enrolments'] | null;
  messages: CountsSnapshot | null;
}

export interface EnrolmentCounts {
  byStatus: Record<string, number>;
  /** Active enrolments by their current step. */
  byStep: Record<string, number>;
  /** Active enrolments by phase: ready, send, sending, waiting. */
  byPhase: Record<string, number>;
}

export interface SequenceProgress {
  sequenceId: string;
  status: 'running' | 'paused';
  reason: string | null;
  actor: string | null;
  /** As of the runner's last look (PostgreSQL holds the live figures). */
  enrolments: EnrolmentCounts | null;
  /** The sequence's messages by state. */
  messages: CountsSnapshot | null;
  /** When the runner looks next (ISO), or null while it waits for a wake. */
  resumeAt: string | null;
}

export const runnerPauseSignal = defineSignal<[ControlRequest?]>('pause');
export const runnerResumeSignal = defineSignal<[ControlRequest?]>('resume');
/** Why the runner is woken: `jobs` when an enrolment job was created. */
export interface WakeReason {
  jobs?: boolean;
}

/** Internal: new enrolments or events are due. Sent by the API; operators never need it. */
export const runnerWakeSignal = defineSignal<[WakeReason?]>('internal.wake');
export const runnerProgressQuery = defineQuery<SequenceProgress>('progress');

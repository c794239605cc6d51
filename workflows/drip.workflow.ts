import {
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SequenceStep } from '#libs/domain';
import type { DripActivities } from './drip.activities.js';
import {
  dripEventSignal,
  dripStateQuery,
  enrolSignal,
  listenKeys,
  resumeSequenceSignal,
  stepKey,
  type DripEvent,
  type DripPosition,
  type DripState,
  type DripWorkflowInput,
} from './drip.definitions.js';

const acts = proxyActivities<DripActivities>({
  // A send waits for its slot inside the activity (seconds at most; longer waits come back as
  // `defer` and are slept durably here).
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/** Quick PostgreSQL reads and writes, run in the workflow task itself (no task round trip). */
const local = proxyLocalActivities<DripActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

/** How long a held enrolment waits for the resume signal before it checks again. */
const HOLD_RECHECK_MS = 60_000;
/**
 * Before this patch a resume signal delivered together with the `held` answer was forgotten, and
 * the enrolment sat out the full recheck interval.
 */
const RESUME_WHILE_ASKING_PATCH = 'drip-resume-while-asking';
/**
 * Enrolments are advanced in batches by their sequence's runner now: an enrolment still run by
 * this workflow hands its position over at its next step (or its next send, under the same send
 * key, so a message is never sent twice) and ends here. Histories recorded before replay as
 * they ran.
 */
const HAND_OVER_PATCH = 'drip-hand-over-to-runner';
const HANDED_OVER = Symbol('handed over');

const durationMs = (d: { seconds?: number; minutes?: number; hours?: number; days?: number }) =>
  ((d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3_600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0)) *
  1_000;

/**
 * One contact's journey through one published version of a sequence: sends through the global
 * limiter, durable waits, waits for a reply, read or button with a timeout path, branches and
 * exits. An opt-out or the sequence's goal ends it from any step, cutting through any wait at
 * once. Started with signal-with-start, so enrolling a contact twice runs it once.
 */
export async function dripWorkflow(input: DripWorkflowInput): Promise<DripState> {
  const { definition: def, workspaceId, contactId, sequenceId } = input;
  const { workflowId } = workflowInfo();
  const pos: DripPosition = input.carried ?? {
    step: 0,
    visits: {},
    enrolledAt: Date.now(),
    lastRowId: null,
    events: [],
  };
  const state: DripState = { step: null, status: 'active', exitReason: null, messages: 0 };
  let optedOut = false;
  let resumed = false;
  let resumes = 0;
  let lastSentAt = pos.enrolledAt;

  const goalKeys = def.goal ? listenKeys(def.goal.event, def.goal.payload) : [];
  const matches = (e: DripEvent, event: string, payload?: string) =>
    e.kind === event && (payload === undefined || e.payload === payload);
  const goalMet = () =>
    def.goal !== undefined &&
    pos.events.some((e) => matches(e, def.goal!.event, def.goal!.payload));
  const stopReason = () => (optedOut ? 'opted out' : goalMet() ? 'goal reached' : null);

  setHandler(enrolSignal, () => undefined);
  setHandler(dripEventSignal, (e) => {
    if (e.kind === 'opt_out') optedOut = true;
    else if (pos.events.length < 50) pos.events.push(e);
  });
  setHandler(resumeSequenceSignal, () => {
    resumed = true;
    resumes += 1;
  });
  setHandler(dripStateQuery, () => state);

  const index = new Map(def.steps.map((s, i) => [s.id, i]));
  const at = (id: string | null | undefined, fallback: number) =>
    id === undefined ? fallback : id === null ? -1 : (index.get(id) ?? -1);
  const following = (i: number) => (i + 1 < def.steps.length ? i + 1 : -1);

  const finish = async (status: 'completed' | 'exited', reason: string | null) => {
    await local.finishEnrolment({ workflowId, status, reason });
    state.status = status;
    state.exitReason = reason;
    return state;
  };
  /** Hands the enrolment to its sequence's runner: at the step to enter, or at this visit's send. */
  const handOver = async (phase: 'ready' | 'send') => {
    await local.handOver({
      workflowId,
      step: def.steps[pos.step]?.id ?? null,
      phase,
      visits: pos.visits,
      enrolledAt: pos.enrolledAt,
      lastRowId: pos.lastRowId,
      lastSentAt,
      messages: state.messages,
      events: pos.events.filter((e) => e.kind !== 'opt_out'),
    });
    state.exitReason = 'handed over to the sequence runner';
    return state;
  };

  /** Sends the step's message, waiting (durably) through holds, quiet hours and retries. */
  const send = async (step: Extract<SequenceStep, { type: 'send' }>, visit: number) => {
    const sendKey = `${workflowId}/${pos.enrolledAt}/${step.id}/${visit}`;
    for (;;) {
      const resumesBefore = resumes;
      const r = await acts.sendStep({ workspaceId, sequenceId, contactId, step, sendKey });
      if (patched(HAND_OVER_PATCH)) return HANDED_OVER;
      switch (r.kind) {
        case 'sent':
          pos.lastRowId = r.rowId;
          lastSentAt = r.sentAt;
          state.messages += 1;
          return null;
        case 'held':
          state.status = 'held';
          if (patched(RESUME_WHILE_ASKING_PATCH)) {
            // A resume that arrived while the activity was finding the sequence paused counts.
            await condition(() => resumes > resumesBefore || optedOut, HOLD_RECHECK_MS);
          } else {
            resumed = false;
            await condition(() => resumed || optedOut, HOLD_RECHECK_MS);
          }
          state.status = 'active';
          if (optedOut) return null;
          break;
        case 'defer':
          if (await condition(() => optedOut, Math.max(1, r.until - Date.now()))) return null;
          break;
        case 'skipped':
          if (r.optedOut) optedOut = true;
          return null;
        case 'failed':
          return r.reason;
      }
    }
  };

  try {
    while (pos.step >= 0 && pos.step < def.steps.length) {
      const stop = stopReason();
      if (stop) return await finish('exited', stop);
      if (patched(HAND_OVER_PATCH)) return await handOver('ready');
      if (workflowInfo().continueAsNewSuggested) {
        await condition(() => true);
        return await continueAsNew<typeof dripWorkflow>({ ...input, carried: pos });
      }
      const i = pos.step;
      const step = def.steps[i];
      const visit = (pos.visits[step.id] ?? 0) + 1;
      if ('maxVisits' in step && step.maxVisits && visit > step.maxVisits) {
        return await finish('exited', `step ${step.id} reached its ${step.maxVisits} visits`);
      }
      pos.visits[step.id] = visit;
      state.step = step.id;
      upsertSearchAttributes([{ key: stepKey, value: step.id }]);

      switch (step.type) {
        case 'send': {
          const failed = await send(step, visit);
          if (failed === HANDED_OVER) return await handOver('send');
          if (failed) return await finish('exited', `send failed: ${failed}`);
          pos.step = at(step.next, following(i));
          break;
        }
        case 'wait': {
          const until = step.duration
            ? Date.now() + durationMs(step.duration)
            : step.until
              ? Date.parse(step.until)
              : await local.localTime({ workspaceId, contactId, timeOfDay: step.timeOfDay! });
          await condition(() => stopReason() !== null, Math.max(1, until - Date.now()));
          pos.step = at(step.next, following(i));
          break;
        }
        case 'wait_for': {
          // Provider timestamps are whole seconds: a reply in the second of the send counts.
          const since = Math.floor(lastSentAt / 1_000) * 1_000;
          pos.events = pos.events.filter((e) => e.at >= since);
          const seen = await local.listen({
            workflowId,
            workspaceId,
            contactId,
            step: step.id,
            awaiting: [...listenKeys(step.event, step.payload), ...goalKeys],
            since,
            readRowId: pos.lastRowId,
          });
          const already =
            (step.event === 'reply' && seen.replied) || (step.event === 'read' && seen.read);
          const arrived = () => pos.events.some((e) => matches(e, step.event, step.payload));
          const happened =
            already ||
            ((await condition(
              () => arrived() || stopReason() !== null,
              durationMs(step.timeout),
            )) &&
              arrived());
          if (stopReason()) break;
          pos.events = pos.events.filter((e) => !matches(e, step.event, step.payload));
          await local.listen({
            workflowId,
            workspaceId,
            contactId,
            step: step.id,
            awaiting: goalKeys,
            since,
            readRowId: null,
          });
          pos.step = happened ? at(step.next, following(i)) : at(step.timeoutNext ?? null, -1);
          break;
        }
        case 'branch': {
          let yes: boolean;
          if (step.condition.kind === 'attribute') {
            const value = await local.contactAttribute({
              workspaceId,
              contactId,
              name: step.condition.name,
            });
            yes = value === step.condition.equals;
          } else {
            const seen = await local.listen({
              workflowId,
              workspaceId,
              contactId,
              step: step.id,
              awaiting: goalKeys,
              since: pos.enrolledAt,
              readRowId: pos.lastRowId,
            });
            yes = step.condition.kind === 'replied' ? seen.replied : seen.read;
          }
          pos.step = at(yes ? step.then : step.else, -1);
          break;
        }
        case 'exit':
          return await finish('completed', `exit at step ${step.id}`);
      }
    }
    const stop = stopReason();
    return await finish(stop ? 'exited' : 'completed', stop);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() =>
        local.finishEnrolment({ workflowId, status: 'exited', reason: 'removed' }),
      );
    }
    throw err;
  }
}

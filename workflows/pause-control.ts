import { isAutomaticActor, type ControlRequest } from './campaign.definitions.js';

/** Whether a workflow is paused, why and by whom: the part of its state pause and resume change. */
export interface PauseState {
  paused: boolean;
  reason: string | null;
  actor: string | null;
}

/**
 * The one rule for pausing and resuming, shared by campaigns and sequence runners. A pause while
 * paused changes nothing, except that an operator's pause takes over one the engine or a template
 * made, so that the automatic resume (which names `ifPausedBy`) leaves it paused. A resume lifts
 * only a pause by the actor it names, when it names one.
 */
export function pauseControl(state: PauseState) {
  return {
    /** 'paused' when this pause stopped a running workflow, 'taken-over', or 'unchanged'. */
    pause(reason: string | null, actor: string | null): 'paused' | 'taken-over' | 'unchanged' {
      if (state.paused) {
        if (!isAutomaticActor(state.actor) || isAutomaticActor(actor)) return 'unchanged';
        state.reason = reason;
        state.actor = actor;
        return 'taken-over';
      }
      state.paused = true;
      state.reason = reason;
      state.actor = actor;
      return 'paused';
    },
    /** True when the resume lifted the pause. */
    resume(req: ControlRequest | undefined): boolean {
      if (!state.paused) return false;
      if (req?.ifPausedBy !== undefined && state.actor !== req.ifPausedBy) return false;
      state.paused = false;
      state.reason = req?.reason ?? null;
      state.actor = req?.actor ?? 'operator';
      return true;
    },
  };
}

import { Injectable, Logger } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/common';
import { CampaignRepository } from '#libs/persistence';
import { CampaignLifecycle, SequenceRunnerLifecycle } from '#libs/temporal';

/**
 * Resumes what a lifted halt paused: the campaigns and sequences the engine paused for it
 * (found in PostgreSQL by the halted number or the halt's reason). What an operator paused stays
 * paused: only a pause by the engine is lifted. One implementation for an admin clearing a
 * number's halt and for Meta lifting a restriction.
 */
@Injectable()
export class HaltRelease {
  private readonly logger = new Logger(HaltRelease.name);

  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
    private readonly runners: SequenceRunnerLifecycle,
  ) {}

  async resume(
    workspaceId: string,
    which: { sender?: string; reason?: string },
    reason: string,
  ): Promise<{ campaigns: string[]; sequences: string[] }> {
    const paused = await this.campaigns.pausedByHalt(workspaceId, which);
    const request = { reason, actor: 'engine', ifPausedBy: 'engine' };
    const results = await Promise.allSettled([
      ...paused.campaigns.map((id) => this.lifecycle.resume(id, request)),
      ...paused.sequences.map(({ id, name }) =>
        this.runners.resume(id, workspaceId, request, name),
      ),
    ]);
    for (const r of results) {
      // A campaign that ended meanwhile has nothing to resume.
      if (r.status === 'rejected' && !(r.reason instanceof WorkflowNotFoundError)) {
        this.logger.warn(
          `a resume after a lifted halt was not delivered: ${(r.reason as Error).message}`,
        );
      }
    }
    return { campaigns: paused.campaigns, sequences: paused.sequences.map((s) => s.id) };
  }
}

import { Module } from '@nestjs/common';
import { CampaignsController } from './campaigns.controller.js';
import { ControlCampaignUseCase } from './control-campaign.use-case.js';
import { GetCampaignUseCase } from './get-campaign.use-case.js';
import { LaunchCampaignUseCase } from './launch-campaign.use-case.js';

@Module({
  controllers: [CampaignsController],
  providers: [LaunchCampaignUseCase, GetCampaignUseCase, ControlCampaignUseCase],
})
export class CampaignsModule {}

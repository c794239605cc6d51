import { Module } from '@nestjs/common';
import { CampaignSchedulesController } from './campaign-schedules.controller.js';

@Module({ controllers: [CampaignSchedulesController] })
export class CampaignSchedulesModule {}

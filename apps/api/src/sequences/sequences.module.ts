import { Module } from '@nestjs/common';
import { DeliverySettingsController } from './delivery-settings.controller.js';
import { SequencesController } from './sequences.controller.js';

@Module({ controllers: [SequencesController, DeliverySettingsController] })
export class SequencesModule {}

import { Module } from '@nestjs/common';
import { TemplateSyncController } from './template-sync.controller.js';
import { TemplatesController } from './templates.controller.js';

@Module({ controllers: [TemplateSyncController, TemplatesController] })
export class TemplatesModule {}

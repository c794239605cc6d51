import { Module } from '@nestjs/common';
import { AudiencesController } from './audiences.controller.js';
import { UploadAudienceUseCase } from './upload-audience.use-case.js';

@Module({
  controllers: [AudiencesController],
  providers: [UploadAudienceUseCase],
})
export class AudiencesModule {}

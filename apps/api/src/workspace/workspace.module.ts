import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { AuditLogController } from './audit-log.controller.js';
import { BootstrapService } from './bootstrap.service.js';
import { UsersController } from './users.controller.js';
import { WhatsAppSettingsController } from './whatsapp-settings.controller.js';

/** Administration of a workspace: users, API keys, the audit log and WhatsApp credentials. */
@Module({
  imports: [AuthModule],
  controllers: [UsersController, ApiKeysController, AuditLogController, WhatsAppSettingsController],
  providers: [BootstrapService],
})
export class WorkspaceModule {}

import { Module } from '@nestjs/common';
import { ContactListsController } from './contact-lists.controller.js';
import { ContactsController } from './contacts.controller.js';
import { ImportContactsUseCase } from './import-contacts.use-case.js';
import { SuppressionsController } from './suppressions.controller.js';

@Module({
  controllers: [ContactsController, ContactListsController, SuppressionsController],
  providers: [ImportContactsUseCase],
})
export class ContactsModule {}

import { Injectable } from '@nestjs/common';

export interface AcceptedMessage {
  wamid: string;
  phoneNumberId: string;
  to: string;
  type: 'text' | 'template';
  templateName?: string;
  callbackData?: string;
  acceptedAt: string;
}

/** Every message the sandbox accepted, so tests and benchmarks can count what went out. */
@Injectable()
export class MessageLog {
  private readonly messages: AcceptedMessage[] = [];

  add(message: AcceptedMessage): void {
    this.messages.push(message);
  }

  list(filter: { to?: string; phoneNumberId?: string } = {}): AcceptedMessage[] {
    return this.messages.filter(
      (m) =>
        (!filter.to || m.to === filter.to) &&
        (!filter.phoneNumberId || m.phoneNumberId === filter.phoneNumberId),
    );
  }

  clear(): void {
    this.messages.length = 0;
  }
}

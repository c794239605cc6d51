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
  private rejected: Record<string, number> = {};

  add(message: AcceptedMessage): void {
    this.messages.push(message);
  }

  /** Counts a refused send by the provider error code it was answered with. */
  reject(code: number): void {
    this.rejected[code] = (this.rejected[code] ?? 0) + 1;
  }

  rejections(): Record<string, number> {
    return { ...this.rejected };
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
    this.rejected = {};
  }
}

export { maxInWindow } from '../../bench/support/windows.js';

/** What the sandbox's record says went out (GET /sandbox/messages). */
export interface SandboxLog {
  count: number;
  rejected: Record<string, number>;
  injected: Record<string, number>;
  messages: {
    wamid: string;
    to: string;
    phoneNumberId: string;
    type: 'text' | 'template';
    templateName?: string;
    callbackData?: string;
    acceptedAtMs: number;
    /** The statuses whose webhook the engine answered with 200. */
    acknowledged: ('sent' | 'delivered' | 'read' | 'failed')[];
  }[];
}

import type { Request } from 'express';

/** The caller's address as Express sees it (behind a proxy only when TRUST_PROXY says so). */
export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? '?';

import { ApiQuery } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';
import type { InboundMessageView } from '#libs/persistence';
import { nextCursor, pageCursor } from './page-cursor.js';

/** The keyset of inbound message pages: newest first by Meta's timestamp, then id. */
export const inboundCursor = pageCursor(
  z.strictObject({ receivedAt: z.iso.datetime(), id: z.uuid() }),
);

/** `limit` and `cursor` of every listing of inbound messages. */
export const inboundPageShape = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: inboundCursor.optional(),
};

export const inboundNextCursor = (rows: InboundMessageView[], limit: number) =>
  nextCursor(rows, limit, (m) => ({ receivedAt: m.receivedAt.toISOString(), id: m.id }));

/** The OpenAPI description of those two parameters. */
export const InboundPageQuery = () =>
  applyDecorators(
    ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' }),
    ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' }),
  );

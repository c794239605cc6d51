import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

/** How long Meta keeps an uploaded media id. */
export const MEDIA_ID_LIFETIME_MS = 30 * 24 * 3_600_000;

export interface NewMedia {
  mediaId: string;
  phoneNumberId: string;
  kind: string;
  mimeType: string;
  filename: string;
  sizeBytes: number;
}

interface Row {
  id: string;
  media_id: string;
  phone_number_id: string;
  kind: string;
  mime_type: string;
  filename: string;
  size_bytes: string;
  uploaded_at: Date;
  expires_at: Date;
}

const view = (r: Row) => ({
  id: r.id,
  mediaId: r.media_id,
  phoneNumberId: r.phone_number_id,
  kind: r.kind,
  mimeType: r.mime_type,
  filename: r.filename,
  sizeBytes: Number(r.size_bytes),
  uploadedAt: new Date(r.uploaded_at),
  expiresAt: new Date(r.expires_at),
});
export type MediaView = ReturnType<typeof view>;

/** Files a workspace uploaded to Meta for media headers, with the 30-day life of their ids. */
export class MediaRepository {
  constructor(private readonly em: EntityManager) {}

  async record(workspaceId: string, m: NewMedia, uploadedAt = new Date()): Promise<MediaView> {
    const [row] = await this.em.fork().execute<Row[]>(
      `insert into media (id, workspace_id, media_id, phone_number_id, kind, mime_type, filename,
         size_bytes, uploaded_at, expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (workspace_id, media_id) do update set uploaded_at = excluded.uploaded_at,
         expires_at = excluded.expires_at
       returning *`,
      [
        randomUUID(),
        workspaceId,
        m.mediaId,
        m.phoneNumberId,
        m.kind,
        m.mimeType.slice(0, 128),
        m.filename.slice(0, 255),
        m.sizeBytes,
        uploadedAt,
        new Date(uploadedAt.getTime() + MEDIA_ID_LIFETIME_MS),
      ],
    );
    return view(row);
  }

  /** One uploaded media id's kind and expiry, for the launch checks; null when unknown. */
  async lookup(
    workspaceId: string,
    mediaId: string,
  ): Promise<{ kind: string; expiresAt: Date } | null> {
    return (await this.lookupAll(workspaceId, [mediaId])).get(mediaId) ?? null;
  }

  /** Several at once: a launch looks up every media id its recipients name in one query. */
  async lookupAll(
    workspaceId: string,
    mediaIds: string[],
  ): Promise<Map<string, { kind: string; expiresAt: Date }>> {
    const found = new Map<string, { kind: string; expiresAt: Date }>();
    if (mediaIds.length === 0) return found;
    const rows = await this.em.fork().execute<Row[]>(
      `select media_id, kind, expires_at from media
       where workspace_id = ? and media_id in (select jsonb_array_elements_text(?::jsonb))`,
      [workspaceId, JSON.stringify([...new Set(mediaIds)])],
    );
    for (const r of rows) {
      found.set(r.media_id, { kind: r.kind, expiresAt: new Date(r.expires_at) });
    }
    return found;
  }

  async list(workspaceId: string, before: Date | null, limit: number): Promise<MediaView[]> {
    const rows = await this.em.fork().execute<Row[]>(
      `select * from media where workspace_id = ? and (?::timestamptz is null or uploaded_at < ?)
       order by uploaded_at desc limit ?`,
      [workspaceId, before, before, limit],
    );
    return rows.map(view);
  }
}

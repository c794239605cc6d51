/** One uploaded file, as far as the sandbox keeps it: who uploaded what, when, how large. */
export interface StoredMedia {
  phoneNumberId: string;
  mimeType: string;
  size: number;
  uploadedAtMs: number;
}

/** Uploads kept at most; the oldest go first beyond it, as if they had expired. */
const CAPACITY = 100_000;

/**
 * Media ids handed out by POST /{phone-number-id}/media. An id can be sent by the number that
 * uploaded it until the lifetime in force (`mediaTtlMs`) has passed since the upload; the
 * lifetime is read when the id is used, so a test can shorten it after uploading. Uploads are
 * kept in upload order, so expired ones are at the front and pruning costs what it removes.
 */
export class MediaStore {
  private readonly items = new Map<string, StoredMedia>();
  private next = 2_000_000_000_000_000;

  add(media: StoredMedia, ttlMs: number): string {
    for (const [id, old] of this.items) {
      if (this.items.size < CAPACITY && media.uploadedAtMs - old.uploadedAtMs < ttlMs) break;
      this.items.delete(id);
    }
    const id = String(this.next++);
    this.items.set(id, media);
    return id;
  }

  usable(id: string, phoneNumberId: string, ttlMs: number, now: number): boolean {
    const media = this.items.get(id);
    return (
      media !== undefined &&
      media.phoneNumberId === phoneNumberId &&
      now - media.uploadedAtMs < ttlMs
    );
  }
}

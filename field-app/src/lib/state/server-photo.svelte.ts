/**
 * One photo on a page by its id, wherever its bytes are: taken on this device, kept from the
 * server, or (with signal) fetched now and kept for next time. Its object URL is revoked when
 * the photo changes or the component goes.
 */
import { fetchPhotoBytes, type ApiFailure } from '#lib/api/index.ts';
import { readDevicePhoto, readServerPhoto, storeServerPhoto, type PhotoVariant } from '#lib/db/server-photos.ts';

export type ServerPhotoStatus =
  | 'loading'
  | 'ready'
  /** Not on the device and no signal: it shows once there is. */
  | 'offline'
  /** The server has no complete photo (still uploading from another device, or refused). */
  | 'unavailable'
  /** Deleted under the city's retention policy (410 Gone): it will not come back. */
  | 'removed';

/** What a failed download means for the person looking: wait for signal, wait, or it is gone. */
export function statusAfterFailure(error: ApiFailure): ServerPhotoStatus {
  if (error.kind === 'network') return 'offline';
  if (error.kind === 'http' && error.status === 410) return 'removed';
  return 'unavailable';
}

export class ServerPhoto {
  url = $state<string | null>(null);
  status = $state<ServerPhotoStatus>('loading');

  /** Create while a component initialises. */
  constructor(photoId: () => string, caseId: () => string, whichVariant: () => PhotoVariant) {
    $effect(() => {
      const id = photoId();
      const forCase = caseId();
      const variant = whichVariant();
      let gone = false;
      let url: string | null = null;
      const show = (bytes: ArrayBuffer, contentType: string) => {
        if (gone) return;
        url = URL.createObjectURL(new Blob([bytes], { type: contentType }));
        this.url = url;
        this.status = 'ready';
      };
      const load = async () => {
        this.status = 'loading';
        const kept = (await readDevicePhoto(id, variant)) ?? (await readServerPhoto(id, variant));
        if (kept) return show(kept.bytes, kept.contentType);
        if (!navigator.onLine) {
          if (!gone) this.status = 'offline';
          return;
        }
        const res = await fetchPhotoBytes(id, variant);
        if (res.ok) {
          await storeServerPhoto({
            photoId: id,
            caseId: forCase,
            variant,
            bytes: res.bytes,
            contentType: res.contentType,
          }).catch(() => {});
          return show(res.bytes, res.contentType);
        }
        if (!gone) this.status = statusAfterFailure(res.error);
      };
      const retry = () => {
        if (this.status === 'offline') void load();
      };
      void load().catch(() => !gone && (this.status = 'unavailable'));
      window.addEventListener('online', retry);
      return () => {
        gone = true;
        window.removeEventListener('online', retry);
        if (url) URL.revokeObjectURL(url);
        this.url = null;
      };
    });
  }
}

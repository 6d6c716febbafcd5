import type { Config } from '../config.ts';
import type { Logger } from '../http/deps.ts';
import { FilePhotoStore, type PhotoStore } from './photo-store.ts';
import { S3PhotoStore } from './s3-photo-store.ts';

const stores = new WeakMap<Config, PhotoStore>();

/**
 * The photo store the configuration names: the bucket of `PHOTO_STORE=s3://…`, else files
 * under PHOTOS_DIR. One per configuration, so every route shares one S3 client.
 */
export function photoStoreFor(config: Config, log?: Pick<Logger, 'warn'>): PhotoStore {
  let store = stores.get(config);
  if (!store) {
    store = config.photoS3
      ? S3PhotoStore.fromConfig(config.photoS3, {
          onUnavailable: (err) =>
            log?.warn(`The photo bucket ${config.photoS3!.bucket} cannot be reached: ${describe(err)}`),
        })
      : new FilePhotoStore(config.photosDir);
    stores.set(config, store);
  }
  return store;
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return [e?.name, e?.code, e?.message].filter(Boolean).join(': ') || String(err);
}

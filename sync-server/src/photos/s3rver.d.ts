// s3rver ships no types: the little of it the tests use (see loopback-s3.ts).
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  export default class S3rver {
    constructor(options: {
      address?: string;
      port?: number;
      silent?: boolean;
      directory: string;
      resetOnClose?: boolean;
      configureBuckets?: { name: string }[];
    });
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    /** Its filesystem store: loopback-s3.ts narrows its listings. */
    store: S3rverStore;
    /** Its winston logger (silenced for good before it is closed: see loopback-s3.ts). */
    logger: { silent: boolean };
  }
  export type S3rverListOptions = { prefix?: string; startAfter?: string; delimiter?: string; maxKeys?: number };
  export type S3rverList = {
    objects: { bucket: string; key: string }[];
    commonPrefixes: string[];
    isTruncated: boolean;
  };
  export type S3rverStore = {
    getBucketPath(bucket: string): string;
    listObjects(bucket: string, options: S3rverListOptions): Promise<S3rverList>;
  };
}

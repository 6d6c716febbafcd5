// exifr's "lite" build (JPEG/HEIC/TIFF EXIF, GPS, XMP) has the same API as the full one.
declare module 'exifr/dist/lite.esm.mjs' {
  export * from 'exifr';
  export { default } from 'exifr';
}

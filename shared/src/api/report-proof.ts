/**
 * The report form's limits and its proof of work, apart from the schemas so the residents'
 * pages can use them without loading the schema library (their script budget is tight):
 * import `@fieldfix/shared/report-proof` there. Pure, no dependency.
 */

/** Leading zero bits the proof's SHA-256 must have: about 65,000 hashes, a second or two on a phone. */
export const REPORT_PROOF_BITS = 16;
/** Photos a resident may add to one report. */
export const REPORT_PHOTOS_MAX = 3;
/** Largest photo a resident may send (the phone downscales to 1600 px first: a few hundred KB). */
export const REPORT_PHOTO_MAX_BYTES = 3 * 1024 * 1024;
/** How long after the report its photos may still arrive (a phone that was offline for days). */
export const REPORT_PHOTO_WINDOW_DAYS = 7;

/** The text the proof hashes: the report's token and the nonce the phone found. */
export const reportProofText = (token: string, nonce: string): string => `fieldfix-report:${token}:${nonce}`;

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

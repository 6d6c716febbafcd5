/**
 * The report's proof of work: a nonce with which SHA-256 of `reportProofText(token, nonce)`
 * starts with REPORT_PROOF_BITS zero bits (about 65,000 tries). Found on the phone with the
 * browser's own SHA-256 while the resident fills in the form; no third-party service.
 */
import { leadingZeroBits, REPORT_PROOF_BITS, reportProofText } from '@fieldfix/shared/report-proof';

const encoder = new TextEncoder();

export async function findProof(token: string, bits = REPORT_PROOF_BITS): Promise<string> {
  for (let n = 0; ; n++) {
    const nonce = n.toString(36);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(reportProofText(token, nonce))));
    if (leadingZeroBits(digest) >= bits) return nonce;
    // Let the page breathe now and then (typing stays smooth on a slow phone).
    if (n % 2048 === 2047) await new Promise((r) => setTimeout(r, 0));
  }
}

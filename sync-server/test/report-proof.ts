import { createHash } from 'node:crypto';
import { leadingZeroBits, REPORT_PROOF_BITS, reportProofText } from '@fieldfix/shared';

/** The proof-of-work nonce a resident's phone finds for a report's `token` (tests, benchmarks). */
export function proofFor(token: string): string {
  for (let n = 0; ; n++) {
    const digest = createHash('sha256')
      .update(reportProofText(token, String(n)))
      .digest();
    if (leadingZeroBits(digest) >= REPORT_PROOF_BITS) return String(n);
  }
}

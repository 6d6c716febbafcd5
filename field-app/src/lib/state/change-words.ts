/** Plain words for changes made on the device and for what the server decided (pure). */
import { describeKind, type Mutation, type OutcomeKind, type Reason, type ServiceType } from '@fieldfix/shared';
import type { PhotoTag } from '#lib/db/database.ts';

/** A photo's tag in words (here, not with the photos' state: the staff frame's list of photos the server did not take reads them without the camera's code). */
export const TAG_LABELS: Record<PhotoTag, string> = { before: 'Before', after: 'After', other: 'Other' };

function label(list: { code: string; label: string }[] | undefined, code: string): string {
  return list?.find((c) => c.code === code)?.label ?? code;
}

function quote(text: string, max = 80): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return `“${t.length > max ? `${t.slice(0, max - 1)}…` : t}”`;
}

/** "Start", "Hold: Needs material", "Note: “Cones out.”", "Fix: Lip ground down". */
export function describeChange(m: Mutation, type: ServiceType | null | undefined): string {
  switch (m.kind) {
    case 'hold':
      return `Hold: ${label(type?.holdReasons, m.payload.reason)}`;
    case 'add_note':
      return `Note: ${quote(m.payload.text)}`;
    case 'attach_photo':
      return `Photo (${m.payload.tag})`;
    case 'fix':
      if (m.payload.photoIds.length > 0) {
        const n = m.payload.photoIds.length;
        return `Fix: ${label(type?.resolutionCodes, m.payload.resolutionCode)} with ${n === 1 ? '1 photo' : `${n} photos`}${m.payload.note ? `, ${quote(m.payload.note, 60)}` : ''}`;
      }
      return `Fix: ${label(type?.resolutionCodes, m.payload.resolutionCode)}${m.payload.note ? `, ${quote(m.payload.note, 60)}` : ''}`;
    case 'close_not_fixed':
      return `Close, not fixed: ${label(type?.closeReasons, m.payload.reason)}${m.payload.note ? `, ${quote(m.payload.note, 60)}` : ''}`;
    case 'transfer_request':
      return `Transfer request: ${quote(m.payload.reason, 60)}`;
    default:
      return describeKind(m.kind);
  }
}

/** What the person can do about an outcome that was not simply applied. */
export function nextStep(outcome: OutcomeKind, reason: Reason | null, landedOnCaseId: string | null): string {
  switch (reason) {
    case 'landed-on-surviving-case':
      return landedOnCaseId
        ? `Nothing to do: your work is on case #${landedOnCaseId}.`
        : 'Nothing to do: your work is on the surviving case.';
    case 'duplicate-work':
      return 'Nothing to do: another fix was recorded first, and yours is kept in the case history.';
    case 'case-closed':
      return 'Nothing to do if the job is done. If the problem is still there, tell your lead so they can reopen the case.';
    case 'case-cancelled':
      return 'Nothing more to do. If the problem really is still there, tell your lead.';
    case 'invalid-transition':
    case 'already-in-state':
      return 'Check the case’s state on its page, and make the change again if it is still needed.';
    case 'not-your-crew':
      return 'The case is no longer your crew’s. Ask your lead if you still need to work on it.';
    case 'not-your-department':
    case 'role-not-allowed':
      return 'Ask your lead to make this change.';
    case 'case-not-found':
      return 'The case no longer exists. Tell your lead what you did.';
    case 'invalid-payload':
      return 'Open the case and make the change again with another choice. If the choices look wrong, reload the app.';
    case 'photo-required':
      return 'This case needs an after-photo. Add a photo on the case page, then save the fix again with that photo ticked.';
    case 'photo-not-on-case':
      return 'Save the fix again with a photo you took for this case (add one on the case page first).';
    case 'photo-id-taken':
      return 'This photo is already on a case. Take the photo again and attach the new one.';
    case null:
      return outcome === 'rejected' ? 'Ask your lead about this change.' : 'Nothing to do.';
  }
}

/** Short words for an outcome kind, for a badge. */
export const OUTCOME_LABELS: Record<OutcomeKind, string> = {
  applied: 'Saved',
  merged: 'Saved elsewhere',
  superseded: 'Not applied',
  rejected: 'Refused',
};

/** "1 change", "3 changes". */
export function changesText(n: number): string {
  return n === 1 ? '1 change' : `${n} changes`;
}

/** "3 changes waiting to sync", "2 changes and 1 photo waiting", "1 photo waiting to upload". */
export function pendingText(n: number, photos = 0): string {
  if (photos === 0) return `${changesText(n)} waiting to sync`;
  const p = photos === 1 ? '1 photo' : `${photos} photos`;
  if (n === 0) return `${p} waiting to upload`;
  return `${changesText(n)} and ${p} waiting`;
}

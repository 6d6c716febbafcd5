/**
 * A case's public timeline for the tracking page, built from what the access model lets the
 * public read (`toPublicCase`) and the public kinds of history entry. Pure: the rows, the
 * names and the clock are passed in. Steps are kinds and public facts, never words: the page
 * says them in the reader's language.
 */
import {
  caseReadLevel,
  PUBLIC_CALLER,
  toPublicCase,
  type PublicTimelineStep,
  type PublicTrackResponse,
} from '@fieldfix/shared';
import type { Open311CaseRow, Open311Service, TimelineEvent } from '../open311/open311.repo.ts';
import { mediaUrl } from '../open311/open311.documents.ts';
import { stillAProblemLastSecond } from '../resident-reopen/window.ts';

const KINDS = new Set<string>([
  'reported',
  'routed',
  'assigned',
  'started',
  'held',
  'resumed',
  'fixed',
  'closed_not_fixed',
  'reopened',
  'merged',
  'cancelled',
]);

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Why a case was reopened, as the public may read it: `still-a-problem` when the resident
 * said so; null when the city did (a lead's reason is staff's words, not published).
 */
function reopenedBy(e: TimelineEvent): string | null {
  return e.data.source === 'resident' ? 'still-a-problem' : null;
}

/** The public photo of a fix: its first photo, when its bytes are in. */
function fixPhoto(e: TimelineEvent, complete: Set<string>): string | null {
  const ids = Array.isArray(e.data.photoIds) ? (e.data.photoIds as unknown[]) : [];
  const first = ids.find((id): id is string => typeof id === 'string' && complete.has(id));
  return first ?? null;
}

/** Every photo id a timeline names, to ask which are complete. */
export function photoIdsOf(row: Open311CaseRow, events: TimelineEvent[]): string[] {
  const fromFixes = events
    .filter((e) => e.kind === 'fixed' && Array.isArray(e.data.photoIds))
    .flatMap((e) => (e.data.photoIds as unknown[]).filter((id): id is string => typeof id === 'string'));
  return [...row.record.reportPhotoIds, ...fromFixes];
}

export function publicTrack(
  row: Open311CaseRow,
  events: TimelineEvent[],
  ctx: {
    service: Open311Service;
    departments: Map<string, string>;
    completePhotos: Set<string>;
    base: string;
    now: Date;
    timeZone: string;
  },
): PublicTrackResponse | null {
  if (caseReadLevel(PUBLIC_CALLER, { crewId: row.record.crewId, departmentId: row.departmentId }) === 'none') {
    return null;
  }
  const p = toPublicCase(row.record);
  const timeline: PublicTimelineStep[] = [];
  for (const e of events) {
    // (A second crew's fix of a fixed case, R3, is not among them: `findTimelines` reads it not.)
    if (!KINDS.has(e.kind)) continue;
    const photo = e.kind === 'fixed' ? fixPhoto(e, ctx.completePhotos) : null;
    timeline.push({
      at: e.at.toISOString(),
      kind: e.kind as PublicTimelineStep['kind'],
      departmentName: e.kind === 'routed' ? (ctx.departments.get(String(e.data.departmentId)) ?? null) : null,
      reason: e.kind === 'closed_not_fixed' ? str(e.data.reason) : e.kind === 'reopened' ? reopenedBy(e) : null,
      photoUrl: photo ? mediaUrl(ctx.base, photo) : null,
      intoCaseId: e.kind === 'merged' ? str(e.data.intoCaseId) : null,
    });
  }
  const reportPhoto = row.record.reportPhotoIds.find((id) => ctx.completePhotos.has(id)) ?? null;
  // The last second "still a problem?" works: the end of the city's day the window ends on.
  const reopenUntil =
    p.state === 'fixed' && p.closedAt ? stillAProblemLastSecond(new Date(p.closedAt), ctx.timeZone) : null;
  return {
    case: p,
    state: p.state,
    service: {
      code: ctx.service.code,
      name: ctx.service.name,
      group: ctx.service.group,
      departmentName: ctx.service.departmentName,
      targetDays: ctx.service.slaDays,
    },
    reportPhotoUrl: reportPhoto ? mediaUrl(ctx.base, reportPhoto) : null,
    timeline,
    reopenUntil: reopenUntil && reopenUntil > ctx.now ? reopenUntil.toISOString() : null,
    timeZone: ctx.timeZone,
  };
}

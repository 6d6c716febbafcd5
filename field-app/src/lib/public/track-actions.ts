/**
 * What `/track/{id}` does when the reader asks (follow by email, confirm a follow, stop it,
 * "still a problem?"), with the words for how it went, and for what the server answered when
 * the case could not be read. The page imports this when first needed, not with itself: reading
 * a case needs none of it (the page's JavaScript budget is tight).
 */
import type { FollowConfirmResponse, PublicLocale, PublicReopenResponse } from '@fieldfix/shared';
import { m } from './paraglide/messages.js';
import { publicRequest, type PublicFailure } from './api.ts';
import { rememberFollow } from './device-keys.ts';

/** One message at a time about following, reopening or confirming: what just happened. */
export type TrackNotice = { text: string; tone: 'ok' | 'error' };
export type Following = { email: string; unfollowToken: string };

/**
 * Puts the focus on the page's element `id` once the page has drawn the answer being returned:
 * the button pressed was disabled meanwhile (or is gone), and the focus fell to the page's
 * start, out of sight of the answer. Done here, not on the page, to keep reading a case light.
 */
function focusSoon(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus());
}

/** What went wrong with a request about case `caseId`, in the reader's language. */
export function failureWords(f: PublicFailure, caseId: string): string {
  if (f.kind === 'network') return m.error_network();
  // An address with no case number in it (`/track/abc`, a link cut short): the server refuses it
  // (400) as it would any request it cannot read, but this is no fault to try again.
  if (f.status === 400 && !/^\d{1,18}$/.test(caseId)) return m.track_not_a_number({ id: caseId });
  if (f.status === 404) return m.track_not_found({ id: caseId });
  if (f.status === 429) return m.too_many();
  return m.error_server();
}

/** The confirmation link's token (`?follow=`): the follow it starts, remembered on this phone. */
export async function confirmFollow(
  caseId: string,
  token: string,
): Promise<{ notice: TrackNotice; following: Following | null }> {
  const res = await publicRequest<FollowConfirmResponse>('POST', '/api/public/follows/confirm', { token });
  if (res.ok) {
    const following = { email: res.data.email, unfollowToken: res.data.unfollowToken };
    rememberFollow(caseId, following);
    return { notice: { text: m.follow_confirmed({ email: res.data.email }), tone: 'ok' }, following };
  }
  return {
    notice: {
      text:
        res.error.kind === 'http' && res.error.status === 410
          ? m.follow_link_expired()
          : res.error.kind === 'http' && res.error.status === 400
            ? m.follow_link_invalid()
            : failureWords(res.error, caseId),
      tone: 'error',
    },
    following: null,
  };
}

/**
 * Asks for updates by email (the server sends a confirmation link to `email`); `invalid`, and
 * nothing sent, when `email` is not a full address (checked here, not on the page, to keep
 * reading a case light).
 */
export async function askToFollow(
  caseId: string,
  email: string,
  language: PublicLocale,
): Promise<TrackNotice | 'invalid'> {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    focusSoon('follow-email');
    return 'invalid';
  }
  const res = await publicRequest('POST', `/api/public/cases/${caseId}/follow`, { email, language });
  focusSoon('follow-notice');
  return res.ok
    ? { text: m.follow_sent({ email }), tone: 'ok' }
    : { text: failureWords(res.error, caseId), tone: 'error' };
}

/** Stops the follow confirmed on this phone; `stopped` when it is gone (here and on the server). */
export async function unfollow(
  caseId: string,
  following: Following,
): Promise<{ notice: TrackNotice; stopped: boolean }> {
  const res = await publicRequest('POST', `/api/public/cases/${caseId}/unfollow`, {
    token: following.unfollowToken,
  });
  focusSoon('follow-notice');
  if (res.ok || (res.error.kind === 'http' && res.error.status === 400)) {
    rememberFollow(caseId, null);
    return { notice: { text: m.unfollowed({ email: following.email }), tone: 'ok' }, stopped: true };
  }
  return { notice: { text: failureWords(res.error, caseId), tone: 'error' }, stopped: false };
}

/** "Still a problem?": reopens the case with the tracking key this phone was given. */
export async function reopen(caseId: string, key: string): Promise<TrackNotice> {
  const res = await publicRequest<PublicReopenResponse>('POST', `/api/public/cases/${caseId}/reopen`, { key });
  focusSoon('page-notice');
  if (res.ok) return { text: m.reopen_done(), tone: 'ok' };
  return {
    text: res.error.kind === 'http' && res.error.status < 500 ? m.reopen_refused() : failureWords(res.error, caseId),
    tone: 'error',
  };
}

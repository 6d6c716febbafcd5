/**
 * The delivery side of resident notices: claiming `notification_outbox` rows, who receives
 * them (`case_reporters`, `case_followers`, the reporters of duplicates merged into the case,
 * less `notice_unsubscribes`), and what was sent to whom (`notice_deliveries`). Queuing stays
 * with `../resident-notifications/`, in the push's transaction.
 */
import type { ResidentNotificationTemplate } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

export type DueNotice = {
  id: string;
  caseId: string;
  template: ResidentNotificationTemplate;
  mutationId: string | null;
  /** The case event it tells of, when queued by event (a new request's "received"). */
  eventId: string | null;
  happenedAt: Date | null;
  createdAt: Date;
  attempts: number;
};

export type Recipient = { email: string; language: 'en' | 'es' };

export type NoticePhoto = {
  id: string;
  takenAt: Date | null;
  lat: number | null;
  long: number | null;
  complete: boolean;
  storageKey: string;
  thumbKey: string | null;
  contentType: string;
};

/** What a notice tells: the case, the event that caused it, and the fix's photos. */
export type NoticeFacts = {
  caseId: string;
  /** The type's code: notices in Spanish name the type by it (`notice-content.ts`). */
  serviceCode: string;
  /** The type's name in the catalogue (English). */
  serviceName: string;
  address: string;
  lat: number;
  long: number;
  event: { kind: string; data: Record<string, unknown> } | null;
  crewName: string | null;
  closeReasonLabel: string | null;
  /** A fix's after-photos (a before-photo is never sent as the finished work). */
  photos: NoticePhoto[];
  /** A "reopened" notice was queued for the case after this one. */
  reopenedSince: boolean;
  /** The crew and day the case is on now, if any (a report routed straight to a crew has them). */
  scheduled: { crewName: string; day: string } | null;
};

/** The case event each template tells of, when the notice names no change. */
const EVENT_KINDS: Record<ResidentNotificationTemplate, string[]> = {
  received: ['reported'],
  scheduled: ['assigned'],
  fixed: ['fixed'],
  closed: ['closed_not_fixed', 'cancelled', 'merged'],
  reopened: ['reopened'],
};

/**
 * Gives up on notices queued more than `maxAgeHours` ago and never sent (a server that was
 * off for days, or history imported as queued): telling a resident of them now is noise.
 * They show as failed, with the reason, and an admin may still send them (a retried row
 * keeps its `last_error`, so it is not given up on again for its age).
 */
export async function expireStaleNotices(sql: Queryable, maxAgeHours: number): Promise<number> {
  const rows = await sql`
    update notification_outbox set failed_at = now(),
      last_error = 'not sent: queued more than ' || ${maxAgeHours}::int || ' hours ago'
    where sent_at is null and failed_at is null and last_error is null
      and created_at < now() - make_interval(hours => ${maxAgeHours}::int)`;
  return rows.count;
}

/**
 * Claims up to `limit` due notices for `leaseSeconds`: `skip locked` lets several instances
 * claim at once without waiting on or taking each other's rows, and the lease hands a row
 * to another instance only when its claimer died or stalled. A case's notices go in the
 * order they were queued: one waits while an earlier one of its case is due, being sent, or
 * retried after a failure within its first `holdBackAttempts` tries (a "scheduled" held back
 * by a "try later" never lands after the "fixed"; one failing for hours holds nothing back
 * after those). A fix's notice waiting for its photo holds nothing back: a reopening's
 * notice goes, and the fix's is then dropped (`NoticeWorker`).
 */
export async function claimDueNotices(
  sql: Queryable,
  limit: number,
  leaseSeconds: number,
  holdBackAttempts: number,
): Promise<DueNotice[]> {
  const rows = await sql<
    {
      id: string;
      case_id: string;
      template: ResidentNotificationTemplate;
      mutation_id: string | null;
      event_id: string | null;
      happened_at: Date | null;
      created_at: Date;
      attempts: number;
    }[]
  >`
    update notification_outbox o set claimed_until = now() + make_interval(secs => ${leaseSeconds}::int)
    where o.id in (
      select id from notification_outbox n
      where sent_at is null and failed_at is null and send_after <= now()
        and (claimed_until is null or claimed_until < now())
        and not exists (
          select 1 from notification_outbox e
          where e.case_id = n.case_id and e.id < n.id and e.sent_at is null and e.failed_at is null
            and (e.send_after <= now() or e.claimed_until > now()
              or (e.last_error is not null and e.attempts < ${holdBackAttempts}::int)))
      order by send_after, id
      limit ${limit}
      for update skip locked)
    returning o.id::text, o.case_id::text, o.template, o.mutation_id::text, o.event_id::text, o.happened_at, o.created_at, o.attempts`;
  return rows
    .map((r) => ({
      id: r.id,
      caseId: r.case_id,
      template: r.template,
      mutationId: r.mutation_id,
      eventId: r.event_id,
      happenedAt: r.happened_at,
      createdAt: r.created_at,
      attempts: r.attempts,
    }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * Everyone a case's notices go to, one row per address: its reporter, its followers, and
 * the reporters and followers of the duplicates merged into it (at any depth), less those
 * who unsubscribed from it, or from the duplicate they reported or followed. A reporter's own language wins over a follower row's.
 */
export async function recipientsOf(sql: Queryable, caseId: string): Promise<Recipient[]> {
  const rows = await sql<{ email: string; language: string }[]>`
    with recursive tree(id) as (
      select ${caseId}::bigint
      union
      select c.id from cases c join tree t on c.merged_into_id = t.id
    ), people as (
      select lower(trim(r.email)) as email, coalesce(r.language, 'en') as language, case when r.case_id = ${caseId}::bigint then 0 else 1 end as rank, r.case_id as via
      from case_reporters r join tree t on r.case_id = t.id
      where r.email is not null and trim(r.email) <> ''
      union all
      select lower(trim(f.email)), f.language, 2, f.case_id from case_followers f join tree t on f.case_id = t.id
    )
    select distinct on (p.email) p.email, p.language from people p
    where not exists (
      select 1 from notice_unsubscribes u
      where u.email = p.email and u.case_id in (${caseId}::bigint, p.via))
    order by p.email, p.rank`;
  return rows.map((r) => ({ email: r.email, language: r.language.toLowerCase().startsWith('es') ? 'es' : 'en' }));
}

/** The case, the event the notice tells of, its crew, and (for a fix) the photos the fix named. */
export async function noticeFacts(sql: Queryable, n: DueNotice): Promise<NoticeFacts> {
  // One round trip: the case, the event the notice tells of (by event, by change, or else the
  // latest of its kind when queued) and the crew that event names.
  const [c] = await sql<
    {
      id: string;
      service_code: string;
      service_name: string;
      address: string;
      lat: number;
      long: number;
      close_reasons: unknown;
      kind: string | null;
      data: Record<string, unknown> | null;
      crew_name: string | null;
      reopened_since: boolean;
      scheduled_crew: string | null;
      scheduled_day: string | null;
    }[]
  >`
    select c.id::text, c.service_code, st.name as service_name, c.address, c.lat, c.long, st.close_reasons, e.kind, e.data,
      cr.name as crew_name,
      (select name from crews where id = c.assigned_crew_id and c.state = 'assigned') as scheduled_crew,
      c.assigned_day::text as scheduled_day,
      exists (select 1 from notification_outbox o where o.case_id = c.id and o.template = 'reopened'
        and o.created_at > ${n.createdAt}) as reopened_since
    from cases c
    join service_types st on st.code = c.service_code
    left join lateral (
      select ev.kind, ev.data from case_events ev
      where ev.case_id = c.id and case
        when ${n.eventId}::bigint is not null then ev.id = ${n.eventId}::bigint
        when ${n.mutationId}::uuid is not null then ev.mutation_id = ${n.mutationId}::uuid
        else ev.kind = any(${EVENT_KINDS[n.template]}) and ev.at <= ${n.createdAt}::timestamptz + interval '1 second'
      end
      order by ev.id desc limit 1) e on true
    left join crews cr on cr.id = e.data->>'crewId'
    where c.id = ${n.caseId}`;
  if (!c) throw new Error(`case ${n.caseId} of notice ${n.id} is gone`);
  const e = c.kind ? { kind: c.kind, data: c.data ?? {} } : undefined;
  const data = e?.data ?? {};
  const reason = typeof data.reason === 'string' ? data.reason : null;
  const choices = Array.isArray(c.close_reasons) ? (c.close_reasons as { code: string; label: string }[]) : [];
  const photoIds = Array.isArray(data.photoIds) ? data.photoIds.filter((p): p is string => typeof p === 'string') : [];
  const photos =
    n.template === 'fixed' && photoIds.length > 0
      ? await sql<
          {
            id: string;
            taken_at: Date | null;
            lat: number | null;
            long: number | null;
            complete: boolean;
            storage_key: string;
            thumb_key: string | null;
            content_type: string;
          }[]
        >`
          select id::text, taken_at, lat, long, complete, storage_key, thumb_key, content_type
          from photos where id = any(${photoIds}::uuid[]) and kind = 'after'
          order by array_position(${photoIds}::uuid[], id)`
      : [];
  return {
    caseId: c.id,
    serviceCode: c.service_code,
    serviceName: c.service_name,
    address: c.address,
    lat: c.lat,
    long: c.long,
    event: e ?? null,
    crewName: c.crew_name,
    closeReasonLabel: reason ? (choices.find((x) => x.code === reason)?.label ?? null) : null,
    photos: photos.map((p) => ({
      id: p.id,
      takenAt: p.taken_at,
      lat: p.lat,
      long: p.long,
      complete: p.complete,
      storageKey: p.storage_key,
      thumbKey: p.thumb_key,
      contentType: p.content_type,
    })),
    reopenedSince: c.reopened_since,
    scheduled: c.scheduled_crew && c.scheduled_day ? { crewName: c.scheduled_crew, day: c.scheduled_day } : null,
  };
}

/**
 * A notice that no longer tells the truth is not sent: it shows as not sent, with why (an
 * admin may still send it).
 */
export async function dropNotice(sql: Queryable, id: string, why: string): Promise<void> {
  await sql`update notification_outbox set failed_at = now(), last_error = ${why}, claimed_until = null
    where id = ${id} and sent_at is null`;
}

/** The addresses a notice has reached (the SMTP server accepted it). */
export async function deliveredTo(sql: Queryable, outboxId: string): Promise<Set<string>> {
  const rows = await sql<{ email: string }[]>`
    select email from notice_deliveries where outbox_id = ${outboxId} and sent_at is not null`;
  return new Set(rows.map((r) => r.email));
}

/**
 * Written before the message goes to SMTP: after a crash, an unsent row is "maybe sent".
 * False when another worker began this very send less than `leaseSeconds` ago and may still
 * be at it (its claim on the notice lapsed while it was slow): then this one must not send.
 */
export async function beginDelivery(
  sql: Queryable,
  outboxId: string,
  email: string,
  messageId: string,
  leaseSeconds: number,
): Promise<boolean> {
  const rows = await sql`
    insert into notice_deliveries (outbox_id, email, message_id) values (${outboxId}, ${email}, ${messageId})
    on conflict (outbox_id, email) do update set attempted_at = now()
      where notice_deliveries.sent_at is null
        and notice_deliveries.attempted_at < now() - make_interval(secs => ${leaseSeconds}::int)
    returning 1`;
  return rows.length === 1;
}

/**
 * A worker still at its notices keeps them: the claims of those in hand and the sends it has
 * begun are renewed for `leaseSeconds`, so that another instance takes them over only when
 * this one died or stalled, not while it works through its batch. A claim or a send given back
 * (deferred, failed, released) or done is left alone.
 */
export async function renewClaims(
  sql: Queryable,
  outboxIds: string[],
  sends: { outboxId: string; email: string }[],
  leaseSeconds: number,
): Promise<void> {
  if (outboxIds.length > 0) {
    await sql`
      update notification_outbox set claimed_until = now() + make_interval(secs => ${leaseSeconds}::int)
      where id = any(${outboxIds}::bigint[]) and sent_at is null and claimed_until > now()`;
  }
  if (sends.length > 0) {
    await sql`
      update notice_deliveries d set attempted_at = now()
      from unnest(${sends.map((x) => x.outboxId)}::bigint[], ${sends.map((x) => x.email)}::text[]) as s(outbox_id, email)
      where d.outbox_id = s.outbox_id and d.email = s.email and d.sent_at is null
        and d.attempted_at > now() - make_interval(secs => ${leaseSeconds}::int)`;
  }
}

/** The SMTP server refused the message, or was never reached: it certainly was not sent. */
export async function releaseDelivery(sql: Queryable, outboxId: string, email: string) {
  await sql`
    update notice_deliveries set attempted_at = '-infinity'
    where outbox_id = ${outboxId} and email = ${email} and sent_at is null`;
}

export async function markDelivered(sql: Queryable, outboxId: string, email: string) {
  await sql`update notice_deliveries set sent_at = now() where outbox_id = ${outboxId} and email = ${email}`;
}

export async function markNoticeSent(sql: Queryable, outboxId: string) {
  await sql`
    update notification_outbox set sent_at = now(), claimed_until = null, attempts = attempts + 1, last_error = null
    where id = ${outboxId}`;
}

/** Puts a notice back in the queue after `delaySeconds`, without counting an attempt (photos still uploading). */
export async function deferNotice(sql: Queryable, outboxId: string, delaySeconds: number) {
  await sql`
    update notification_outbox set claimed_until = null, send_after = now() + make_interval(secs => ${delaySeconds})
    where id = ${outboxId}`;
}

/** A failed attempt: tried again after `delaySeconds`, or given up on when `giveUp`. */
export async function markNoticeFailed(
  sql: Queryable,
  outboxId: string,
  error: string,
  delaySeconds: number,
  giveUp: boolean,
) {
  await sql`
    update notification_outbox set attempts = attempts + 1, last_error = ${error.slice(0, 500)}, claimed_until = null,
      send_after = now() + make_interval(secs => ${delaySeconds}),
      failed_at = case when ${giveUp} then now() else null end
    where id = ${outboxId}`;
}

/** An admin's "send it again": a failed or waiting notice becomes due now. False when already sent or unknown. */
export async function retryNotice(sql: Queryable, outboxId: string): Promise<boolean> {
  const rows = await sql`
    update notification_outbox set failed_at = null, send_after = now(), claimed_until = null, attempts = 0
    where id = ${outboxId} and sent_at is null`;
  return rows.count === 1;
}

/** Records "stop telling me about this case" for an address; true when it is new. */
export async function unsubscribe(sql: Queryable, caseId: string, email: string): Promise<boolean> {
  const rows = await sql`
    insert into notice_unsubscribes (case_id, email) select ${caseId}::bigint, ${email.toLowerCase()}
    where exists (select 1 from cases where id = ${caseId}::bigint)
    on conflict do nothing`;
  return rows.count === 1;
}

export type OutboxStatusRow = {
  id: string;
  caseId: string;
  template: ResidentNotificationTemplate;
  status: 'pending' | 'sent' | 'failed';
  createdAt: string;
  sendAfter: string;
  sentAt: string | null;
  failedAt: string | null;
  attempts: number;
  lastError: string | null;
  recipients: number;
};

/** The outbox as admins see it, newest first: status, attempts, the last error, how many were reached. */
export async function listOutboxStatus(
  sql: Queryable,
  opts: { status?: 'pending' | 'sent' | 'failed' | undefined; limit: number },
): Promise<OutboxStatusRow[]> {
  const where =
    opts.status === 'sent'
      ? sql`o.sent_at is not null`
      : opts.status === 'failed'
        ? sql`o.sent_at is null and o.failed_at is not null`
        : opts.status === 'pending'
          ? sql`o.sent_at is null and o.failed_at is null`
          : sql`true`;
  const rows = await sql<
    {
      id: string;
      case_id: string;
      template: ResidentNotificationTemplate;
      created_at: Date;
      send_after: Date;
      sent_at: Date | null;
      failed_at: Date | null;
      attempts: number;
      last_error: string | null;
      recipients: number;
    }[]
  >`
    select o.id::text, o.case_id::text, o.template, o.created_at, o.send_after, o.sent_at, o.failed_at, o.attempts, o.last_error,
      (select count(*)::int from notice_deliveries d where d.outbox_id = o.id and d.sent_at is not null) as recipients
    from notification_outbox o where ${where}
    order by o.id desc limit ${opts.limit}`;
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    template: r.template,
    status: r.sent_at ? 'sent' : r.failed_at ? 'failed' : 'pending',
    createdAt: r.created_at.toISOString(),
    sendAfter: r.send_after.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
    failedAt: r.failed_at?.toISOString() ?? null,
    attempts: r.attempts,
    lastError: r.last_error,
    recipients: r.recipients,
  }));
}

/**
 * A new case from an Open311 request, written in one transaction through the change log: the
 * case row (its insert trigger takes the next cursor, so devices in its scope pull it), its
 * `reported` and `routed` history, the reporter's contact details apart in `case_reporters`,
 * the token, and the `received` resident notification (R10).
 */
import { queueReceivedNotification } from '../resident-notifications/resident-notification.repo.ts';
import type { Queryable } from '../db/database.ts';

export type NewRequest = {
  serviceCode: string;
  description: string;
  lat: number;
  long: number;
  address: string;
  addressId: string | null;
  /** The ZIP code of the nearest block face, where the city's address ranges have one. */
  zipcode: string | null;
  districtId: string;
  attributes: Record<string, string | string[]>;
  /** A URL the client sent (kept for staff; the public `media_url` is the city's own photo). */
  mediaUrl: string | null;
  expectedAt: Date;
  crewId: string | null;
  /** The crew's day the case lands on (the city's today) when routed to a crew. */
  day: string | null;
  routedMessage: string;
  routedPublicMessage: string;
  /** Open cases of the same type nearby, for the lead to merge. */
  likelyDuplicateIds: string[];
  routedDepartmentId: string;
  reporter: {
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    phone: string | null;
    deviceId: string | null;
    accountId: string | null;
    language: string | null;
  };
  apiKeyId: string | null;
  token: string;
  /** How it came in: an Open311 client, or the residents' web form. */
  channel?: 'open311' | 'web';
  now: Date;
};

/** Creates the case; returns its id. Run inside a transaction. */
export async function insertRequest(tx: Queryable, r: NewRequest): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, address_id, zipcode, district_id, state,
      attributes, media_url, requested_at, updated_at, expected_at, assigned_crew_id, assigned_day, version)
    values (${r.serviceCode}, ${r.description}, ${r.lat}, ${r.long}, ${r.address}, ${r.addressId}, ${r.zipcode},
      ${r.districtId},
      ${r.crewId ? 'assigned' : 'new'}, ${tx.json(r.attributes)}, ${r.mediaUrl}, ${r.now}, ${r.now}, ${r.expectedAt},
      ${r.crewId}, ${r.day}, 2)
    returning id::text`;
  const caseId = row!.id;
  await tx`
    insert into case_reporters (case_id, first_name, last_name, email, phone, device_id, account_id, language)
    values (${caseId}, ${r.reporter.firstName}, ${r.reporter.lastName}, ${r.reporter.email}, ${r.reporter.phone},
      ${r.reporter.deviceId}, ${r.reporter.accountId}, ${r.reporter.language})`;
  const [reported] = await tx<{ id: string }[]>`
    insert into case_events (case_id, at, received_at, kind, data, version, crew_id)
    values (${caseId}, ${r.now}, ${r.now}, 'reported', ${tx.json({ channel: r.channel ?? 'open311' })}, 1, null)
    returning id::text`;
  await tx`
    insert into case_events (case_id, at, received_at, kind, data, version, crew_id)
    values (${caseId}, ${r.now}, ${r.now}, 'routed', ${tx.json({
      departmentId: r.routedDepartmentId,
      districtId: r.districtId,
      crewId: r.crewId,
      day: r.day,
      message: r.routedMessage,
      publicMessage: r.routedPublicMessage,
      likelyDuplicateIds: r.likelyDuplicateIds,
    })}, 2, ${r.crewId})`;
  await tx`insert into open311_tokens (token, case_id, api_key_id) values (${r.token}, ${caseId}, ${r.apiKeyId})`;
  await queueReceivedNotification(tx, { caseId, eventId: reported!.id, happenedAt: r.now.toISOString() });
  return caseId;
}

/**
 * Small, valid records for the field app's unit tests: a case, its service type, a signed-in
 * person, a server outcome, a pulled page and a photo. Each takes the fields a test cares about.
 */
import { v7 as uuidv7 } from 'uuid';
import type { NewPhoto } from '../src/lib/db/photos.ts';
import type {
  CaseRecord,
  Mutation,
  MutationKind,
  Outcome,
  PayloadOf,
  PullResponse,
  ServiceType,
  SessionResponse,
} from '@fieldfix/shared';

export const CREW = 'streets-a';
export const DEPARTMENT = 'streets';

export function caseRecord(id: string, over: Partial<CaseRecord> = {}): CaseRecord {
  return {
    id,
    serviceCode: 'SIDEWALK',
    description: 'Raised slab',
    lat: 42.35,
    long: -86.97,
    address: '1 Main St',
    districtId: null,
    state: 'assigned',
    priority: 'normal',
    statusNotes: null,
    holdReason: null,
    resolutionCode: null,
    closeReason: null,
    attributes: {},
    requestedAt: '2026-06-08T12:00:00.000Z',
    updatedAt: '2026-06-09T12:00:00.000Z',
    expectedAt: null,
    closedAt: null,
    crewId: CREW,
    assignedDay: '2026-06-10',
    routePosition: 1,
    mediaUrl: null,
    reportPhotoIds: [],
    mergedIntoId: null,
    cancelled: false,
    version: 2,
    ...over,
  };
}

export const sidewalk: ServiceType = {
  code: 'SIDEWALK',
  name: 'Sidewalk repair',
  group: 'Streets',
  description: 'Broken or raised sidewalk',
  departmentId: DEPARTMENT,
  keywords: [],
  icon: 'sidewalk',
  attributes: [],
  photoRequiredOnFix: false,
  estimatedMinutes: 30,
  slaDays: 10,
  resolutionCodes: [{ code: 'ground_down', label: 'Ground down' }],
  holdReasons: [{ code: 'weather', label: 'Weather' }],
  closeReasons: [{ code: 'cannot_locate', label: 'Cannot locate' }],
};

export function session(over: Partial<SessionResponse['user']> = {}): SessionResponse {
  const user = {
    id: 'u-w01',
    name: 'Wes Worker',
    email: 'worker@riverton.example',
    role: 'worker' as const,
    crewId: CREW,
    departmentId: DEPARTMENT,
    ...over,
  };
  return {
    user,
    crew: user.crewId ? { id: user.crewId, name: 'Streets Crew A', departmentId: DEPARTMENT, capacity: 8 } : null,
    expiresAt: '2099-01-01T00:00:00.000Z',
    cityTimeZone: 'America/Detroit',
  };
}

/** A mutation as the device builds it (for the pure view; the outbox builds its own). */
export function mutation<K extends MutationKind>(
  kind: K,
  caseId: string,
  payload: PayloadOf<K>,
  over: Partial<Mutation> = {},
): Mutation {
  return {
    id: uuidv7(),
    clientId: 'device-1',
    seq: 1,
    caseId,
    baseVersion: 2,
    deviceTime: '2026-06-10T14:00:00.000Z',
    kind,
    payload,
    ...over,
  } as Mutation;
}

export function outcome(mutationId: string, caseId: string, over: Partial<Outcome> = {}): Outcome {
  return {
    mutationId,
    caseId,
    landedOnCaseId: caseId,
    outcome: 'applied',
    reason: null,
    message: 'Applied.',
    caseVersion: 3,
    ...over,
  };
}

export function page(over: Partial<PullResponse> = {}): PullResponse {
  return {
    cursor: '10',
    hasMore: false,
    cases: [],
    departures: [],
    outcomes: [],
    serverTime: '2026-06-10T14:00:00.000Z',
    ...over,
  };
}

/** A tiny after-photo of case `caseId`, as the camera code hands it to the device database. */
export function newPhoto(id: string, caseId = '7'): NewPhoto {
  return {
    id,
    caseId,
    tag: 'after',
    contentType: 'image/jpeg',
    byteSize: 3,
    width: 1,
    height: 1,
    takenAt: null,
    lat: null,
    long: null,
    bytes: new ArrayBuffer(3),
    thumb: new ArrayBuffer(1),
    thumbType: 'image/jpeg',
  };
}

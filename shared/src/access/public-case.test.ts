import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '../domain/case.ts';
import { caseReadLevel, PUBLIC_CALLER } from './access.ts';
import { HIDDEN } from './contact-details.ts';
import { PublicCase, toPublicCase } from './public-case.ts';

const record: CaseRecord = {
  id: '42',
  serviceCode: 'POTHOLE',
  description: 'Deep hole by the bus stop',
  lat: 42.35,
  long: -86.97,
  address: '12 Main St',
  districtId: 'old-town',
  state: 'in_progress',
  priority: 'high',
  statusNotes: null,
  holdReason: null,
  resolutionCode: null,
  closeReason: null,
  attributes: { depth: 'deep' },
  requestedAt: '2026-06-01T10:00:00Z',
  updatedAt: '2026-06-02T10:00:00Z',
  expectedAt: null,
  closedAt: null,
  crewId: 'streets-a',
  assignedDay: '2026-06-02',
  routePosition: 3,
  mediaUrl: null,
  reportPhotoIds: ['0b4f6c1e-3c1d-4a8e-9d7a-2b8e6f1a9c11'],
  mergedIntoId: null,
  cancelled: false,
  version: 4,
};

describe('the public part of a case', () => {
  it('is what anyone but staff in scope reads', () => {
    expect(caseReadLevel(PUBLIC_CALLER, { crewId: 'streets-a', departmentId: 'streets' })).toBe('public');
    expect(caseReadLevel({ kind: 'open311', keyId: 'k1' }, { crewId: null, departmentId: 'streets' })).toBe('public');
  });

  it('carries no crew, route, priority, photos or internal codes', () => {
    const p = toPublicCase(record);
    expect(PublicCase.parse(p)).toEqual(p);
    expect(Object.keys(p).sort()).toEqual(
      [
        'address',
        'closedAt',
        'description',
        'expectedAt',
        'id',
        'lat',
        'long',
        'requestedAt',
        'serviceCode',
        'state',
        'statusNotes',
        'updatedAt',
      ].sort(),
    );
    for (const secret of ['streets-a', 'old-town', '0b4f6c1e-3c1d-4a8e-9d7a-2b8e6f1a9c11', 'deep']) {
      expect(JSON.stringify(p)).not.toContain(secret);
    }
  });

  it("hides email addresses and phone numbers in the resident's description and the status note", () => {
    const p = toPublicCase({
      ...record,
      description: 'Deep hole. Call me on (269) 555-0134 or write to ana.ruiz@example.org',
      statusNotes: 'Resident asked for a call back: +1 269 555 0199.',
    });
    expect(p.description).toBe(`Deep hole. Call me on ${HIDDEN} or write to ${HIDDEN}`);
    expect(p.statusNotes).toBe(`Resident asked for a call back: ${HIDDEN}.`);
    expect(toPublicCase(record).statusNotes).toBeNull();
  });

  it('refuses a staff field slipped into it', () => {
    expect(PublicCase.safeParse({ ...toPublicCase(record), crewId: 'streets-a' }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { describeEvent, fmsStatus } from './open311.documents.ts';
import { listDoc, toXml } from './open311-format.ts';
import { asXmlText, readXml } from './published-schemas.ts';

describe('GeoReport XML', () => {
  it('escapes markup, drops characters XML cannot carry, and reads back as the JSON data', () => {
    const data = [
      {
        service_request_id: '7',
        description: 'Cars <swerve> & "brake" at O\'Neil St\u0001',
        lat: 42.35,
        metadata: true,
        media_url: null,
        notes: [{ datetime: '2026-06-10T14:00:00.000Z', description: 'Reported.', type: 'reported' }],
        extended_attributes: { size: 'large', 'bad key': 'x', colours: ['red', 'blue'] },
      },
    ];
    const xml = toXml(listDoc('service_requests', data));
    expect(xml).toContain('<description>Cars &lt;swerve&gt; &amp; &quot;brake&quot; at O&apos;Neil St</description>');
    expect(xml).toContain('<media_url/>');
    expect(xml).toContain('<notes>\n      <note>');
    expect(xml).toContain('<_bad_key>x</_bad_key>');
    const back = readXml(xml);
    expect(back.root).toBe('service_requests');
    const expected = asXmlText(data) as Record<string, unknown>[];
    expected[0]!.description = 'Cars <swerve> & "brake" at O\'Neil St';
    (expected[0]!.extended_attributes as Record<string, unknown>)._bad_key = 'x';
    delete (expected[0]!.extended_attributes as Record<string, unknown>)['bad key'];
    expect(back.value).toEqual(expected);
  });
  it('an empty list is an empty element', () => {
    expect(toXml(listDoc('service_requests', []))).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<service_requests/>\n',
    );
  });
});

describe('public timeline words and FixMyStreet statuses', () => {
  it.each([
    ['reported', {}, 'OPEN', 'Reported.'],
    [
      'routed',
      { publicMessage: 'Sent to Streets.', message: 'Routed to Streets, Streets Crew A' },
      'OPEN',
      'Sent to Streets.',
    ],
    ['assigned', { crewId: 'streets-a' }, 'ACTION_SCHEDULED', 'Scheduled for a crew.'],
    ['started', {}, 'IN_PROGRESS', 'Work in progress.'],
    ['held', { reason: 'weather' }, 'IN_PROGRESS', 'Work paused.'],
    ['resumed', {}, 'IN_PROGRESS', 'Work in progress.'],
    ['fixed', { note: 'staff words' }, 'FIXED', 'Fixed.'],
    ['closed_not_fixed', { reason: 'duplicate' }, 'DUPLICATE', 'Closed, not fixed (duplicate).'],
    [
      'closed_not_fixed',
      { reason: 'not_city_responsibility' },
      'NOT_COUNCILS_RESPONSIBILITY',
      'Closed, not fixed (not city responsibility).',
    ],
    ['closed_not_fixed', { reason: 'no_action_needed' }, 'NO_FURTHER_ACTION', 'Closed, not fixed (no action needed).'],
    ['closed_not_fixed', { reason: 'cannot_locate' }, 'CLOSED', 'Closed, not fixed (cannot locate).'],
    ['merged', { intoCaseId: '3' }, 'DUPLICATE', 'Merged into another request about the same problem.'],
    ['cancelled', {}, 'NO_FURTHER_ACTION', 'Cancelled.'],
    ['cancelled', { reason: 'duplicate' }, 'DUPLICATE', 'Cancelled.'],
    ['cancelled', { reason: 'not_city_responsibility' }, 'NOT_COUNCILS_RESPONSIBILITY', 'Cancelled.'],
    ['cancelled', { reason: 'cannot_locate' }, 'NO_FURTHER_ACTION', 'Cancelled.'],
    ['reopened', {}, 'REOPEN', 'Reopened.'],
  ])('%s %j → %s, "%s" (never a crew or a staff note)', (kind, data, status, words) => {
    expect(fmsStatus({ kind, data })).toBe(status);
    expect(describeEvent({ kind, data })).toBe(words);
  });
});

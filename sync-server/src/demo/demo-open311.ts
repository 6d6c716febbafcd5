/**
 * The demo city's Open311 intake: the routing table, how near a report must be to an open
 * case of its type to be a likely duplicate, and one documented demo API key.
 */
import type { RoutingRule } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';
import { hashApiKey } from '../api-keys/api-key.repo.ts';

/**
 * The demo city's Open311 key: public on purpose (README, `npm start`), so that anyone can try
 * `POST requests` at once. A real city revokes it and creates its own keys.
 */
export const DEMO_API_KEY = 'fieldfix-demo-open311-key';
export const DEMO_API_KEY_ID = 'k_demo';

/**
 * Which crew gets a new request: each department's crews split the city by district
 * (Streets: Crew A west, Crew B east; Sanitation: North and South); Forestry and Traffic
 * have one crew for the whole city.
 */
export const DEMO_ROUTING: RoutingRule[] = [
  ...(
    [
      ['streets', 'northside', 'streets-a'],
      ['streets', 'old-town', 'streets-a'],
      ['streets', 'southgate', 'streets-a'],
      ['streets', 'riverside', 'streets-b'],
      ['streets', 'eastfield', 'streets-b'],
      ['sanitation', 'northside', 'sanitation-n'],
      ['sanitation', 'old-town', 'sanitation-n'],
      ['sanitation', 'riverside', 'sanitation-n'],
      ['sanitation', 'southgate', 'sanitation-s'],
      ['sanitation', 'eastfield', 'sanitation-s'],
    ] as const
  ).map(([departmentId, districtId, crewId]) => ({
    departmentId,
    districtId,
    serviceCode: null,
    group: null,
    crewId,
  })),
  { departmentId: 'forestry', districtId: null, serviceCode: null, group: null, crewId: 'forestry' },
  { departmentId: 'traffic', districtId: null, serviceCode: null, group: null, crewId: 'signals' },
  // Graffiti is cleaned by the South crew everywhere: a rule for one type.
  { departmentId: 'sanitation', districtId: null, serviceCode: 'GRAFFITI', group: null, crewId: 'sanitation-s' },
];

/** Metres within which a report of a type is a likely duplicate of an open case (default 50). */
export const DEMO_DUPLICATE_RADIUS_M: Record<string, number> = {
  POTHOLE: 30,
  SIDEWALK: 25,
  MISSED_PICKUP: 15,
  FALLEN_LIMB: 60,
  STREETLIGHT: 40,
  SIGNAL: 80,
};

/** Seeds the routing table, duplicate distances and the demo key, in the seed's transaction. */
export async function seedOpen311Demo(tx: Queryable): Promise<void> {
  await tx`insert into routing_rules ${tx(
    DEMO_ROUTING.map((r) => ({
      department_id: r.departmentId,
      district_id: r.districtId,
      service_code: r.serviceCode,
      group_name: r.group,
      crew_id: r.crewId,
    })),
  )}`;
  for (const [code, metres] of Object.entries(DEMO_DUPLICATE_RADIUS_M)) {
    await tx`update service_types set duplicate_radius_m = ${metres} where code = ${code}`;
  }
  await tx`
    insert into api_keys (id, name, key_hash, rate_limit_per_minute)
    values (${DEMO_API_KEY_ID}, 'Demo key (public: revoke it in a real city)', ${hashApiKey(DEMO_API_KEY)}, 120)
    on conflict do nothing`;
}

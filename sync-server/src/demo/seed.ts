import { Faker, en } from '@faker-js/faker';
import { addDays, type CaseState, type Priority } from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';
import { hashPassword } from '../auth/password.ts';
import { cityDate } from '../time.ts';
import { DEPARTMENTS, SERVICE_TYPES, serviceTypes } from './catalog.ts';
import { bboxOf, districtYard, placeOnStreet, riverton, type LngLat, type Place } from './city.ts';
import { DEMO_PASSWORD, isEmpty } from './demo-accounts.ts';
import { seedOpen311Demo } from './demo-open311.ts';
import { seedDemoAddressRanges } from './address-ranges.ts';

// Capacity in minutes of work a day (service plus travel); skills are the service codes a
// crew works (null: every type of its department); each starts its day at its district's yard.
const CREWS = [
  {
    id: 'streets-a',
    name: 'Streets Crew A',
    departmentId: 'streets',
    home: 'old-town',
    capacity: 12,
    capacityMinutes: 480,
    skills: ['POTHOLE', 'SIDEWALK', 'DEBRIS'],
  },
  {
    id: 'streets-b',
    name: 'Streets Crew B',
    departmentId: 'streets',
    home: 'eastfield',
    capacity: 12,
    capacityMinutes: 480,
    skills: ['POTHOLE', 'SIDEWALK', 'DEBRIS'],
  },
  {
    id: 'sanitation-n',
    name: 'Sanitation North',
    departmentId: 'sanitation',
    home: 'northside',
    capacity: 16,
    capacityMinutes: 450,
    skills: ['MISSED_PICKUP', 'DUMPING', 'GRAFFITI'],
  },
  {
    id: 'sanitation-s',
    name: 'Sanitation South',
    departmentId: 'sanitation',
    home: 'southgate',
    capacity: 16,
    capacityMinutes: 450,
    skills: null,
  },
  {
    id: 'forestry',
    name: 'Forestry Crew',
    departmentId: 'forestry',
    home: 'riverside',
    capacity: 8,
    capacityMinutes: 420,
    skills: null,
  },
  {
    id: 'signals',
    name: 'Signals & Lighting',
    departmentId: 'traffic',
    home: 'old-town',
    capacity: 10,
    capacityMinutes: 480,
    skills: null,
  },
] as const;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export type SeedSummary = {
  departments: number;
  serviceTypes: number;
  districts: number;
  crews: number;
  users: number;
  cases: number;
  /** Filled in by the photo seed (`report-photos.ts`), which needs the photo store. */
  reportPhotos: number;
};

/**
 * Seeds the demo city into an empty database, in one transaction. Deterministic for a given
 * `now`: the same people, places and cases every time, with dates relative to `now` so there
 * is always a day's work. Does nothing when the database already has departments.
 */
/** The advisory lock that seeding takes (any number, the same in every instance). */
const SEED_LOCK = 7311003;

export async function seedDemoCity(sql: Sql, opts: { now?: Date; timeZone: string }): Promise<SeedSummary | null> {
  const now = opts.now ?? new Date();
  if (!(await isEmpty(sql))) return null;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return sql.begin(async (tx) => {
    // Instances starting together on an empty database: one seeds, the others wait here for
    // it and then find the city there (without the lock each saw an empty database, and all
    // but the first failed on its rows).
    await tx`select pg_advisory_xact_lock(${SEED_LOCK})`;
    if (!(await isEmpty(tx))) return null;
    const data = buildDemoCity(now, opts.timeZone, passwordHash);
    await tx`insert into departments ${tx(data.departments)}`;
    await tx`insert into service_types ${tx(data.serviceTypes)}`;
    await tx`insert into districts ${tx(data.districts)}`;
    await tx`insert into crews ${tx(data.crews)}`;
    await tx`insert into users ${tx(data.users)}`;
    await seedOpen311Demo(tx);
    for (const chunk of chunks(data.cases, 500)) await tx`insert into cases ${tx(chunk)}`;
    await tx`select setval(pg_get_serial_sequence('cases', 'id'), (select max(id) from cases))`;
    for (const chunk of chunks(data.reporters, 500)) await tx`insert into case_reporters ${tx(chunk)}`;
    for (const chunk of chunks(data.events, 1000)) await tx`insert into case_events ${tx(chunk)}`;
    // Where each crew was last seen (its device's last report): a demo board shows crews on
    // the map. No pulls are recorded: delivery receipts come only from devices that really sync.
    await tx`insert into crew_positions ${tx(data.positions)}`;
    // The streets' address ranges, for the residents' form's address suggestions.
    await seedDemoAddressRanges(tx);
    // No resident notifications for the demo's history: it is a back story, told before this
    // server existed. Marking them sent would pretend; queueing them would mail residents
    // (or fill the mailbox) about weeks-old events. Notices start with what happens here.
    return {
      departments: data.departments.length,
      serviceTypes: data.serviceTypes.length,
      districts: data.districts.length,
      crews: data.crews.length,
      users: data.users.length,
      cases: data.cases.length,
      reportPhotos: 0,
    };
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type CaseRow = {
  id: number;
  service_code: string;
  description: string;
  lat: number;
  long: number;
  address: string;
  zipcode: string;
  district_id: string;
  state: CaseState;
  status_notes: string | null;
  hold_reason: string | null;
  resolution_code: string | null;
  close_reason: string | null;
  priority: Priority;
  attributes: Record<string, string>;
  requested_at: Date;
  updated_at: Date;
  expected_at: Date;
  closed_at: Date | null;
  assigned_crew_id: string | null;
  assigned_day: string | null;
  route_position: number | null;
  version: number;
};
type EventRow = {
  case_id: number;
  at: Date;
  kind: string;
  actor_user_id: string | null;
  data: Record<string, string | null>;
  version: number;
  crew_id: string | null;
};

/** The demo data as rows, built in memory (pure apart from the clock it is given). */
export function buildDemoCity(now: Date, timeZone: string, passwordHash: string) {
  const faker = new Faker({ locale: [en] });
  faker.seed(311);
  const random = () => faker.number.float({ min: 0, max: 1 });
  const city = riverton();
  const today = cityDate(now, timeZone);
  const types = serviceTypes();

  const users = [
    user('u-admin', 'admin@riverton.example', 'Jordan Lee', 'admin', null, null),
    user('u-lead-streets', 'lead@riverton.example', 'Priya Natarajan', 'lead', null, 'streets'),
    user('u-lead-sanitation', 'lead.sanitation@riverton.example', 'Marcus Bell', 'lead', null, 'sanitation'),
    user('u-w01', 'worker@riverton.example', 'Sam Ortega', 'worker', 'streets-a', 'streets'),
    user('u-w02', 'worker.b@riverton.example', 'Alex Kim', 'worker', 'streets-b', 'streets'),
  ];
  const workersByCrew = new Map<string, string[]>([
    ['streets-a', ['u-w01']],
    ['streets-b', ['u-w02']],
  ]);
  let w = 3;
  for (const crew of CREWS) {
    const members = workersByCrew.get(crew.id) ?? [];
    while (members.length < 2) {
      const id = `u-w${String(w++).padStart(2, '0')}`;
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      users.push(
        user(
          id,
          `${first}.${last}@riverton.example`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
          `${first} ${last}`,
          'worker',
          crew.id,
          crew.departmentId,
        ),
      );
      members.push(id);
    }
    workersByCrew.set(crew.id, members);
  }
  function user(
    id: string,
    email: string,
    name: string,
    role: string,
    crewId: string | null,
    departmentId: string | null,
  ) {
    return { id, email, name, role, crew_id: crewId, department_id: departmentId, password_hash: passwordHash };
  }
  const leadOf = (departmentId: string) =>
    users.find((u) => u.role === 'lead' && u.department_id === departmentId)?.id ?? 'u-admin';

  const cases: CaseRow[] = [];
  const reporters: Record<string, unknown>[] = [];
  const events: EventRow[] = [];
  const positions: { crew_id: string; lat: number; long: number; at: Date; reported_by: string }[] = [];
  const cityDateOf = (d: Date) => cityDate(d, timeZone);
  /** Puts a case on `day` at `position`, and says so in its "assigned" history entry. */
  const setDay = (c: CaseRow, day: string, position: number) => {
    c.assigned_day = day;
    c.route_position = position;
    for (const e of events) if (e.case_id === c.id && e.kind === 'assigned') e.data.day = day;
  };

  const typesOf = (departmentId: string) => SERVICE_TYPES.filter((t) => t.departmentId === departmentId);

  /** One case: where, what, when it was reported, and its story up to `state`. */
  function makeCase(o: {
    departmentId?: string;
    ageDays: number;
    state: CaseState;
    crewId?: string;
    day?: string;
    closedAt?: Date;
  }): CaseRow {
    const def = faker.helpers.arrayElement(o.departmentId ? typesOf(o.departmentId) : SERVICE_TYPES);
    const place: Place = placeOnStreet(random);
    const requestedAt = new Date(now.getTime() - o.ageDays * DAY_MS - faker.number.int({ min: 0, max: 8 }) * HOUR_MS);
    const priority: Priority =
      def.code === 'SIGNAL'
        ? 'high'
        : faker.helpers.weightedArrayElement([
            { weight: 10, value: 'low' as const },
            { weight: 74, value: 'normal' as const },
            { weight: 12, value: 'high' as const },
            { weight: 4, value: 'urgent' as const },
          ]);
    const attributes: Record<string, string> = {};
    for (const a of def.attributes) {
      if (a.values.length > 0) attributes[a.code] = faker.helpers.arrayElement(a.values).key;
      else if (a.code === 'pole') attributes[a.code] = `RL-${faker.number.int({ min: 1000, max: 9999 })}`;
    }
    const id = cases.length + 1;
    const row: CaseRow = {
      id,
      service_code: def.code,
      description: faker.helpers.arrayElement(def.complaints),
      lat: place.lat,
      long: place.long,
      address: place.address,
      zipcode: place.zipcode,
      district_id: place.districtId,
      state: o.state,
      status_notes: null,
      hold_reason: null,
      resolution_code: null,
      close_reason: null,
      priority,
      attributes,
      requested_at: requestedAt,
      updated_at: requestedAt,
      expected_at: new Date(requestedAt.getTime() + def.slaDays * DAY_MS),
      closed_at: null,
      assigned_crew_id: o.crewId ?? null,
      assigned_day: o.day ?? null,
      route_position: null,
      version: 1,
    };
    cases.push(row);
    const hasEmail = random() < 0.7;
    reporters.push({
      case_id: id,
      first_name: hasEmail ? faker.person.firstName() : null,
      last_name: hasEmail ? faker.person.lastName() : null,
      email: hasEmail ? faker.internet.email({ provider: 'mail.example' }).toLowerCase() : null,
      phone: random() < 0.3 ? faker.phone.number({ style: 'national' }) : null,
      device_id: null,
      account_id: null,
    });
    type Story = Omit<EventRow, 'version' | 'crew_id'>;
    const story: Story[] = [
      {
        case_id: id,
        at: requestedAt,
        kind: 'reported',
        actor_user_id: null,
        data: { channel: faker.helpers.arrayElement(['web', 'phone', 'app']) },
      },
    ];
    const type = types.find((t) => t.code === def.code)!;
    const end = o.closedAt ?? now;
    const span = Math.max(end.getTime() - requestedAt.getTime(), HOUR_MS);
    const step = (f: number) => new Date(requestedAt.getTime() + span * f);
    if (o.crewId) {
      story.push({
        case_id: id,
        at: step(0.2),
        kind: 'assigned',
        actor_user_id: leadOf(type.departmentId),
        data: { crewId: o.crewId, day: o.day ?? null },
      });
    }
    const worker = o.crewId ? faker.helpers.arrayElement(workersByCrew.get(o.crewId)!) : null;
    if (o.state === 'in_progress' || o.state === 'on_hold' || o.state === 'fixed') {
      story.push({ case_id: id, at: step(0.7), kind: 'started', actor_user_id: worker, data: {} });
    }
    if (o.state === 'on_hold') {
      row.hold_reason = faker.helpers.arrayElement(type.holdReasons).code;
      story.push({
        case_id: id,
        at: step(0.8),
        kind: 'held',
        actor_user_id: worker,
        data: { reason: row.hold_reason },
      });
    }
    if (o.state === 'fixed') {
      row.resolution_code = faker.helpers.arrayElement(type.resolutionCodes).code;
      row.status_notes = 'Fixed by the crew.';
      story.push({
        case_id: id,
        at: end,
        kind: 'fixed',
        actor_user_id: worker,
        data: { resolutionCode: row.resolution_code },
      });
    }
    if (o.state === 'closed_not_fixed') {
      row.close_reason = faker.helpers.arrayElement(type.closeReasons).code;
      row.status_notes = type.closeReasons.find((r) => r.code === row.close_reason)!.label;
      story.push({
        case_id: id,
        at: end,
        kind: 'closed_not_fixed',
        actor_user_id: worker ?? leadOf(type.departmentId),
        data: { reason: row.close_reason },
      });
    }
    if (o.closedAt) row.closed_at = o.closedAt;
    row.updated_at = story[story.length - 1]!.at;
    row.version = story.length;
    // Each event is one version of the case; the crew holds it from its assignment on.
    events.push(...story.map((e, i) => ({ ...e, version: i + 1, crew_id: i === 0 ? null : (o.crewId ?? null) })));
    return row;
  }

  // Each crew's day: carried-over work from yesterday, today's route, tomorrow's, and two jobs
  // already done this morning.
  for (const crew of CREWS) {
    const todays: CaseRow[] = [];
    for (let i = 0; i < 10; i++) {
      const state: CaseState = i === 3 ? 'in_progress' : i === 6 ? 'on_hold' : 'assigned';
      // Yesterday's leftovers were reported before yesterday.
      const ageDays =
        i === 9 ? faker.number.int({ min: 95, max: 160 }) : faker.number.int({ min: i < 2 ? 2 : 0, max: 12 });
      todays.push(
        makeCase({
          departmentId: crew.departmentId,
          ageDays,
          state,
          crewId: crew.id,
          day: i < 2 ? addDays(today, -1) : today,
        }),
      );
    }
    planDay(todays, districtYard(crew.home), { yesterday: addDays(today, -1), today, reportedOn: cityDateOf, setDay });
    // The crew is at its job in progress; its device reported so a few minutes ago.
    const here = todays.find((c) => c.state === 'in_progress') ?? todays[0]!;
    positions.push({
      crew_id: crew.id,
      lat: here.lat,
      long: here.long,
      at: new Date(now.getTime() - (4 + positions.length * 3) * 60_000),
      reported_by: workersByCrew.get(crew.id)![0]!,
    });
    const tomorrows: CaseRow[] = [];
    for (let i = 0; i < 3; i++) {
      tomorrows.push(
        makeCase({
          departmentId: crew.departmentId,
          ageDays: faker.number.int({ min: 0, max: 5 }),
          state: 'assigned',
          crewId: crew.id,
          day: addDays(today, 1),
        }),
      );
    }
    orderRoute(tomorrows, districtYard(crew.home));
    for (let i = 0; i < 2; i++) {
      makeCase({
        departmentId: crew.departmentId,
        ageDays: faker.number.int({ min: 1, max: 6 }),
        state: 'fixed',
        crewId: crew.id,
        day: today,
        closedAt: new Date(now.getTime() - (i + 1) * 0.5 * HOUR_MS),
      });
    }
  }
  // Reports nobody has scheduled yet, a few of them forgotten for months.
  for (let i = 0; i < 45; i++) {
    makeCase({
      ageDays: i < 5 ? faker.number.int({ min: 100, max: 240 }) : faker.number.int({ min: 0, max: 3 }),
      state: 'new',
    });
  }
  // History: work done over the last year, some of it late.
  for (let i = 0; i < 165; i++) {
    const fixed = i < 130;
    const departmentId = faker.helpers.arrayElement(DEPARTMENTS).id;
    const crew = faker.helpers.arrayElement(CREWS.filter((c) => c.departmentId === departmentId));
    const ageDays = faker.number.int({ min: 2, max: 400 });
    const def = typesOf(departmentId)[0]!;
    const tookDays = faker.number.float({ min: 0.2, max: def.slaDays * 1.6 });
    const closedAt = new Date(now.getTime() - ageDays * DAY_MS + Math.min(tookDays, ageDays - 1) * DAY_MS);
    makeCase({
      departmentId,
      ageDays,
      state: fixed ? 'fixed' : 'closed_not_fixed',
      crewId: crew.id,
      day: cityDate(closedAt, timeZone),
      closedAt,
    });
  }

  return {
    departments: DEPARTMENTS.map((d) => ({ id: d.id, name: d.name })),
    serviceTypes: types.map((t) => ({
      code: t.code,
      name: t.name,
      group_name: t.group,
      description: t.description,
      department_id: t.departmentId,
      keywords: t.keywords,
      icon: t.icon,
      attributes: t.attributes,
      photo_required_on_fix: t.photoRequiredOnFix,
      estimated_minutes: t.estimatedMinutes,
      sla_days: t.slaDays,
      resolution_codes: t.resolutionCodes,
      hold_reasons: t.holdReasons,
      close_reasons: t.closeReasons,
    })),
    districts: city.districts.map((d) => {
      const b = bboxOf(d.polygon);
      return {
        id: d.id,
        name: d.name,
        boundary: { type: 'Polygon', coordinates: d.polygon },
        min_lat: b.minLat,
        min_long: b.minLong,
        max_lat: b.maxLat,
        max_long: b.maxLong,
      };
    }),
    crews: CREWS.map((c) => {
      const [long, lat] = districtYard(c.home);
      return {
        id: c.id,
        name: c.name,
        department_id: c.departmentId,
        home_district_id: c.home,
        capacity: c.capacity,
        capacity_minutes: c.capacityMinutes,
        skills: c.skills ? [...c.skills] : null,
        start_lat: lat,
        start_long: long,
        shares_position: true,
      };
    }),
    users,
    cases,
    reporters,
    events,
    positions,
  };
}

/**
 * Plans a crew's day of `cases` as a good lead would have: one round from the yard and back
 * that does not cross itself, its first two stops the leftovers from yesterday (which the
 * crew's day lists first). The round is found first (nearest neighbour, then 2-opt); the
 * two cases it starts with, in one direction or the other, become yesterday's leftovers if
 * both were reported by then (their "assigned" history says so too). Otherwise the cases keep
 * their days and each day's stretch is ordered on its own.
 */
function planDay(
  cases: CaseRow[],
  yard: LngLat,
  o: {
    yesterday: string;
    today: string;
    reportedOn: (d: Date) => string;
    setDay: (c: CaseRow, day: string, position: number) => void;
  },
): void {
  const { yesterday, today, setDay } = o;
  const round = roundFrom(yard, cases, () => true);
  for (const tour of [round, [...round].reverse()]) {
    const leftovers = tour.slice(0, 2);
    if (!leftovers.every((c) => o.reportedOn(c.requested_at) <= yesterday)) continue;
    tour.forEach((c, i) => setDay(c, i < 2 ? yesterday : today, i < 2 ? i + 1 : i - 1));
    return;
  }
  orderRoute(cases, yard);
}

/**
 * Orders a crew's open cases as one round from the yard and back, earlier days first, each
 * day's stretch by nearest neighbour and 2-opt within the day. Positions are 1..n each day.
 */
function orderRoute(cases: CaseRow[], yard: LngLat): void {
  const days = [...new Set(cases.map((c) => c.assigned_day!))].sort();
  const tour = roundFrom(
    yard,
    days.flatMap((day) => cases.filter((c) => c.assigned_day === day)),
    (a, b) => a.assigned_day === b.assigned_day,
  );
  for (const day of days) tour.filter((c) => c.assigned_day === day).forEach((c, i) => (c.route_position = i + 1));
}

/**
 * A round yard → cases → yard: nearest neighbour (taking `cases` group by group as given),
 * then 2-opt, reversing a stretch whose ends `sameGroup` allows, until no reversal shortens it.
 */
function roundFrom(yard: LngLat, cases: CaseRow[], sameGroup: (a: CaseRow, b: CaseRow) => boolean): CaseRow[] {
  const tour: CaseRow[] = [];
  let here = yard;
  const left = [...cases];
  while (left.length > 0) {
    let best = 0;
    for (let i = 1; i < left.length; i++) {
      if (sameGroup(left[i]!, left[0]!) && dist(left[i]!, here) < dist(left[best]!, here)) best = i;
    }
    const next = left.splice(best, 1)[0]!;
    tour.push(next);
    here = [next.long, next.lat];
  }
  const at = (i: number): [number, number] => (i < 0 || i >= tour.length ? yard : [tour[i]!.long, tour[i]!.lat]);
  const d = (a: [number, number], b: [number, number]) => Math.sqrt(distLL(a, b));
  for (let improved = true; improved;) {
    improved = false;
    for (let i = 0; i < tour.length - 1; i++) {
      for (let k = i + 1; k < tour.length && sameGroup(tour[i]!, tour[k]!); k++) {
        // Legs (i-1 → i) and (k → k+1) become (i-1 → k) and (i → k+1).
        const delta = d(at(i - 1), at(k)) + d(at(i), at(k + 1)) - d(at(i - 1), at(i)) - d(at(k), at(k + 1));
        if (delta < -1e-12) {
          tour.splice(i, k - i + 1, ...tour.slice(i, k + 1).reverse());
          improved = true;
        }
      }
    }
  }
  return tour;
}

function dist(c: CaseRow, p: [number, number]): number {
  return distLL([c.long, c.lat], p);
}

/** Squared local distance (longitude shrunk by the latitude), enough to compare. */
function distLL(a: [number, number], b: [number, number]): number {
  const dx = (a[0] - b[0]) * Math.cos((a[1] * Math.PI) / 180);
  const dy = a[1] - b[1];
  return dx * dx + dy * dy;
}

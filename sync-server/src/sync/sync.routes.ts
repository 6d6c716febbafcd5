import { Hono } from 'hono';
import { timing } from 'hono/timing';
import {
  canReportCrewPosition,
  pullHintDepartment,
  CrewPosition,
  parsePushEntries,
  PROTOCOL_HEADER,
  PullQuery,
  PushEnvelope,
  type PushResponse,
} from '@fieldfix/shared';
import { callerOf, type Staff } from '../access/caller.ts';
import { currentStaff, requireStaff } from '../auth/auth.middleware.ts';
import { findCrew } from '../auth/user.repo.ts';
import { openEventStream } from '../http/event-stream.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppEnv, AppParts } from '../http/deps.ts';
import { requireProtocol } from './protocol.ts';
import { pushMutations } from './push.service.ts';
import { nothingNew, pullChanges } from './pull.service.ts';
import { recordCrewPosition, recordDevicePull } from '../dispatch/crew-sync.repo.ts';
import { liveHub } from '../dispatch/live-hub.ts';
import { changedCaseIds, publishCaseChanges, publishCrewSynced } from '../dispatch/live-publish.ts';

/** How soon a device's browser reconnects a dropped hint stream. */
const LIVE_RECONNECT_MS = 5_000;

export function syncRoutes({ sql, dbKind, log, metrics, quietPull: quiet, config }: AppParts) {
  // A session found valid by a push, a position or a live stream is remembered for its pulls:
  // behind a balancer that takes turns, its next poll on this instance is then answered from
  // memory.
  const staffOnly = requireStaff(sql, { quiet });
  // The pull reads the change log's head with the session: one round trip for a device up to
  // date, none when this instance already knows it is (`QuietPull`, made by `createApp`).
  const staffWithHead = requireStaff(sql, { changeLogHead: true, quiet });
  // Looked up when first used: building the routes touches no database.
  const live = () => liveHub(sql, dbKind, log);
  return (
    new Hono<AppEnv>()
      // Server-Timing on every sync response: how long the server took, as devices and
      // benchmarks see it apart from the network.
      .use(timing({ crossOrigin: false }))
      .post('/push', staffOnly, requireProtocol, validate('json', PushEnvelope), async (c) => {
        const body = c.req.valid('json');
        // Each change on its own: a malformed one is rejected by its own outcome (R9) and the
        // rest apply; only one that does not say which change it is refuses the whole batch.
        const parsed = parsePushEntries(body.mutations);
        if ('error' in parsed) throw new ApiError(400, 'invalid-body', parsed.error);
        const ids = parsed.entries.map((e) => (e.ok ? e.mutation : e.refused));
        const stranger = ids.findIndex((m) => m.clientId !== body.clientId);
        if (stranger >= 0) {
          throw new ApiError(
            400,
            'invalid-body',
            `mutations.${stranger}.clientId differs from the batch's clientId: a device pushes only its own changes.`,
          );
        }
        const outcomes = await pushMutations(sql, c.var.staff, parsed.entries, {
          timeZone: config.cityTimeZone,
          ...(body.sentAt ? { sentAt: body.sentAt } : {}),
        });
        metrics.pushOutcomes(outcomes);
        // After the commit, without holding up the device: the dispatch boards hear of it.
        void publishCaseChanges(sql, live(), changedCaseIds(outcomes), log);
        return c.json({ outcomes } satisfies PushResponse);
      })
      .get('/pull', staffWithHead, requireProtocol, validate('query', PullQuery), async (c) => {
        // `c.get`, not `c.var`: the busiest route, and `c.var` copies every variable each time.
        const staff = c.get('staff');
        // A device before protocol 7 does not say it primes: all its pulls are read as priming
        // (as they were), never the closed history.
        const query =
          Number(c.req.header(PROTOCOL_HEADER)) < 7
            ? { ...c.req.valid('query'), prime: '1' as const }
            : c.req.valid('query');
        // From memory (`QuietPull`): nothing new, the cursor where the instance says it may be.
        const page = c.get('fromMemory')
          ? nothingNew(c.get('changeLogHead')!)
          : await pullChanges(sql, staff, query, c.get('changeLogHead'));
        metrics.pullAnswered(c.get('fromMemory') ? 'memory' : 'database', c.get('askedBecause'));
        // A crew device's delivery receipt: it now holds everything of its crew up to
        // `page.cursor` (a response lost on the way is pulled again at its next sync).
        if (staff.role === 'worker' && staff.crewId) {
          const at = new Date(page.serverTime);
          const delivered = page.cases.length + page.departures.length + page.outcomes.length > 0;
          const crew = {
            clientId: query.clientId,
            userId: staff.id,
            crewId: staff.crewId,
            cursor: page.cursor,
            at,
            delivered,
          };
          // A pull that brought nothing writes nothing if this instance recorded the device's
          // receipt moments ago, wherever its cursor moved meanwhile (past other crews'
          // changes): the board's "last synced" may lag by up to `receiptMs`, and a device
          // polling costs no write.
          const device = { clientId: query.clientId, userId: staff.id };
          if (delivered || quiet.receiptDue(device)) {
            quiet.receiptWritten(device);
            const crewId = staff.crewId;
            const write = recordDevicePull(sql, crew).then(
              (facts) => {
                if (facts) void publishCrewSynced(live(), crewId, facts, at);
              },
              (err: unknown) => {
                quiet.receiptLost(device);
                throw err;
              },
            );
            // Answered from memory: the receipt (only its time moves) is written after the answer.
            if (c.get('fromMemory'))
              void write.catch((err: unknown) => log.warn(`pull receipt: ${(err as Error).message}`));
            else await write;
          }
        }
        return c.json(page);
      })
      /**
       * "Pull now" hints for a crew's device that is online (server-sent events): an event
       * `pull` whose data is the cursor of a change in the crew's department, as it commits,
       * from any instance (LISTEN/NOTIFY). The device pulls when it is behind that cursor, so
       * a lead's move reaches an open tablet in a second or two, not at its next poll. No case
       * is named: what the device pulls is its own scope. Others: 403.
       */
      .get('/live', staffOnly, async (c) => {
        const hintDepartment = async (staff: Staff) =>
          pullHintDepartment(callerOf(staff), staff.crewId ? ((await findCrew(sql, staff.crewId)) ?? null) : null);
        const departmentId = await hintDepartment(c.var.staff);
        if (!departmentId) {
          throw new ApiError(403, 'forbidden', "Only a crew worker's device listens for its changes here.");
        }
        // Still theirs while it stays open: not once the worker is signed out, ended or moved.
        const stillAllowed = async () => {
          const staff = await currentStaff(sql, c);
          return !!staff && (await hintDepartment(staff)) === departmentId;
        };
        return openEventStream(
          c,
          `retry: ${LIVE_RECONNECT_MS}\n: listening\n\n`,
          (send) =>
            live().subscribe(departmentId, (event) => {
              if (event.type === 'cases') send({ event: 'pull', data: event.cursor });
            }),
          stillAllowed,
        );
      })
      /**
       * Where the crew is, from a worker's device after a sync (never asked for: only when the
       * device already has a fix). 204 whether kept or not: a crew that does not share its
       * position, or a report older than the kept one, is not recorded. Others: 403.
       */
      .post('/position', staffOnly, validate('json', CrewPosition), async (c) => {
        const staff = c.var.staff;
        const crewId = staff.crewId;
        if (!crewId || !canReportCrewPosition(callerOf(staff), { id: crewId })) {
          throw new ApiError(403, 'forbidden', "Only a crew worker's device reports where the crew is.");
        }
        const body = c.req.valid('json');
        // A device clock ahead of the server's would pin the crew there: never later than now.
        const at = new Date(Math.min(Date.parse(body.at), Date.now()));
        const kept = await recordCrewPosition(sql, { crewId, userId: staff.id, lat: body.lat, long: body.long, at });
        if (kept.stored) void publishCrewSynced(live(), crewId, kept.facts, kept.lastSyncedAt ?? at);
        return c.body(null, 204);
      })
  );
}

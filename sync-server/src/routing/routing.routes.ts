import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { canManageRouting, RoutingTable, type RoutingNames, type RoutingRule } from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { callerOf } from '../access/caller.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv, Sql } from '../http/deps.ts';
import {
  listDuplicateRadii,
  listRoutingRules,
  replaceRoutingRules,
  routingNameLists,
  routingVocabulary,
  setDuplicateRadii,
} from './routing.repo.ts';

/**
 * The routing table, for administrators: `GET` reads it, `PUT` replaces it whole (checked
 * first: every name must exist, a crew must be of the rule's department, a type or group
 * must be the department's), `GET /names` lists what it may name. Mounted at
 * `/api/admin/routing`.
 */
export function routingRoutes({ sql }: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireStaff(sql), routingAdmin)
    .get('/', async (c) => c.json(await readTable(sql)))
    .get('/names', async (c) => c.json((await routingNameLists(sql)) satisfies RoutingNames))
    .put('/', validate('json', RoutingTable), async (c) => {
      const { rules, duplicateRadiusM = {}, version } = c.req.valid('json');
      await sql.begin(async (tx) => {
        // One save at a time, each against the table as it is when it runs.
        await tx`lock table routing_rules in share row exclusive mode`;
        if (version !== undefined && (await readTable(tx as unknown as Sql)).version !== version) {
          throw new ApiError(
            409,
            'conflict',
            'Another administrator saved the routing table after you read it: nothing was saved. Read it again, then make your change on theirs.',
          );
        }
        await checkRules(tx as unknown as Sql, rules, duplicateRadiusM);
        await replaceRoutingRules(tx, rules);
        await setDuplicateRadii(tx, duplicateRadiusM);
      });
      return c.json(await readTable(sql));
    });
}

const routingAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!canManageRouting(callerOf(c.var.staff))) {
    throw new ApiError(403, 'forbidden', 'The routing table is for administrators.');
  }
  await next();
});

/** The table, with its version: a hash of what it says, so any save that changes it changes that. */
async function readTable(sql: Sql): Promise<RoutingTable> {
  const table = { rules: await listRoutingRules(sql), duplicateRadiusM: await listDuplicateRadii(sql) };
  return { ...table, version: createHash('sha256').update(JSON.stringify(table)).digest('hex').slice(0, 32) };
}

async function checkRules(sql: Sql, rules: RoutingRule[], radii: Record<string, number>): Promise<void> {
  const v = await routingVocabulary(sql);
  const problems: string[] = [];
  for (const code of Object.keys(radii)) {
    if (!v.types.has(code)) problems.push(`duplicateRadiusM.${code}: no service type ${code}`);
  }
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    const at = `rules.${i}`;
    if (!v.departments.has(r.departmentId)) problems.push(`${at}: no department ${r.departmentId}`);
    if (r.districtId !== null && !v.districts.has(r.districtId)) problems.push(`${at}: no district ${r.districtId}`);
    if (r.serviceCode !== null && r.group !== null) problems.push(`${at}: name a service type or a group, not both`);
    if (r.serviceCode !== null) {
      const t = v.types.get(r.serviceCode);
      if (!t) problems.push(`${at}: no service type ${r.serviceCode}`);
      else if (t.departmentId !== r.departmentId) {
        problems.push(`${at}: ${r.serviceCode} belongs to ${t.departmentId}, not ${r.departmentId}`);
      }
    }
    if (r.group !== null) {
      const depts = v.groups.get(r.group);
      if (!depts) problems.push(`${at}: no group ${r.group}`);
      else if (!depts.has(r.departmentId)) problems.push(`${at}: no type of ${r.departmentId} is in ${r.group}`);
    }
    if (r.crewId !== null) {
      const d = v.crews.get(r.crewId);
      if (!d) problems.push(`${at}: no crew ${r.crewId}`);
      else if (d !== r.departmentId) problems.push(`${at}: crew ${r.crewId} is of ${d}, not ${r.departmentId}`);
    }
    const key = [r.departmentId, r.districtId, r.serviceCode, r.group].join('|');
    if (seen.has(key)) problems.push(`${at}: the same department, district and type as an earlier rule`);
    seen.add(key);
  });
  if (problems.length > 0) {
    throw new ApiError(400, 'invalid-body', `The routing table was not changed: ${problems.join('; ')}.`, {
      issues: problems,
    });
  }
}

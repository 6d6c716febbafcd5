/**
 * The sync protocol's version. Bump it whenever the wire format of a sync message changes
 * (a test pins a hash of the schemas and fails when they change without a bump).
 *
 * History:
 * - 1: push of mutation batches with per-mutation outcomes; pull by cursor with departures
 *      and the device's own outcomes.
 * - 2: cases carry `closedAt`. (v1 clients still parse v2 answers: unknown keys are dropped.)
 * - 3: cases carry `reportPhotoIds`, the resident's photos. (Older clients drop the key.)
 * - 4: a push carries `sentAt`, the device's clock when it sent, so the server can place
 *      offline work at the time it was done; outcome reasons `photo-not-on-case` and
 *      `photo-id-taken`. (A v3 push without `sentAt` is taken at its device times.)
 * - 5: a pull may say `behind=1`, the device knows of a change it has not pulled (a hint,
 *      its own push, "Sync now"), and is then answered from the database, never from an
 *      instance's memory of a moment before. (An older client's pull may be answered from
 *      that memory: a change reaches it at most a second later.)
 * - 6: a `reorder` names the route it was made on (`crewId`, `day`), and is not applied to a
 *      route the case has left since. (An older client's reorder, without them, is applied to
 *      the case's route as before.)
 * - 7: a pull says `prime=1` on every page of a priming, which alone leaves out the cases
 *      closed more than a day ago; pulling on brings every change since the cursor, an old
 *      closed case's too. (An older client's pulls are all read as priming, as before.)
 */
export const PROTOCOL_VERSION = 7;

/** The oldest client protocol the server still accepts. */
export const MIN_PROTOCOL_VERSION = 1;

/** The header every sync request carries. */
export const PROTOCOL_HEADER = 'fieldfix-protocol';

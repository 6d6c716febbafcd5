/**
 * The unassigned queue can hold a city's backlog, thousands of cases (the board takes the
 * oldest 5,000): drawn whole, the board took seconds to open and again after every move. It is
 * drawn a page at a time instead, oldest first, with the cards the lead is working with drawn
 * wherever they sit.
 */

/** How many of the queue's cards are drawn at first, and how many more each "Show more" draws. */
export const QUEUE_PAGE = 100;

/**
 * The queue's cards to draw, in order: the first `limit` of those the filters let through, and
 * any other that `keep` names (selected, picked up, waiting to sync, moved this session).
 */
export function queueCards<T extends { case: { id: string } }>(
  matching: readonly T[],
  limit: number,
  keep: (caseId: string) => boolean,
): T[] {
  return matching.filter((item, i) => i < limit || keep(item.case.id));
}

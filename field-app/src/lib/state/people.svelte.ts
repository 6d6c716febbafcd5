/**
 * The admin's list of staff accounts: who signs in, in which role, on which crew or for which
 * department. Read from and written to the server: a desk job that needs a connection.
 */
import type { PeopleResponse, PersonInfo, Placement, Role, UpdatePersonRequest } from '@fieldfix/shared';
import { PASSWORD_MIN } from '@fieldfix/shared';
import { adminFailure, createPerson, fetchPeople, updatePerson } from '#lib/api/admin.ts';

export const ROLE_WORDS: Record<Role, string> = { worker: 'Crew member', lead: 'Lead', admin: 'Administrator' };

/** A role and its place as a form holds them (the choices not taken stay as typed). */
export type PlacementDraft = { role: Role; crewId: string; departmentId: string };

export function draftOf(p?: PersonInfo): PlacementDraft {
  return { role: p?.role ?? 'worker', crewId: p?.crewId ?? '', departmentId: p?.departmentId ?? '' };
}

/** The placement a draft stands for, or what is missing from it, in words. */
export function placementOf(d: PlacementDraft): Placement | string {
  if (d.role === 'worker') return d.crewId ? { role: 'worker', crewId: d.crewId } : 'Choose the crew.';
  if (d.role === 'lead')
    return d.departmentId ? { role: 'lead', departmentId: d.departmentId } : 'Choose the department.';
  return { role: 'admin' };
}

/**
 * What an edit of a person changes, and only that: a rename sends no placement, so it cannot
 * undo a move another administrator made since this list was read (nor sign the person out).
 * `moved`: the role, crew or department changes. Null when nothing does.
 */
export function changeOf(
  p: PersonInfo,
  typed: { name: string; email: string },
  placement: Placement,
): { body: UpdatePersonRequest; moved: boolean } | null {
  const moved =
    placement.role !== p.role ||
    ('crewId' in placement && placement.crewId !== p.crewId) ||
    ('departmentId' in placement && placement.departmentId !== p.departmentId);
  const name = typed.name.trim();
  const email = typed.email.trim();
  const body: UpdatePersonRequest = {
    ...(name !== p.name ? { name } : {}),
    ...(email !== p.email ? { email } : {}),
    ...(moved ? { placement } : {}),
  };
  return Object.keys(body).length > 0 ? { body, moved } : null;
}

/** What a new password lacks, in words; null when it will do. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `The password needs at least ${PASSWORD_MIN} characters.`;
  if (password.trim() !== password) return 'The password must not start or end with a space.';
  return null;
}

/** "Crew member · Streets Crew B", "Lead · Streets", "Administrator". */
export function roleLine(p: PersonInfo, lists: Pick<PeopleResponse, 'crews' | 'departments'>): string {
  const crew = p.crewId ? (lists.crews.find((c) => c.id === p.crewId)?.name ?? p.crewId) : null;
  const dept = p.departmentId ? (lists.departments.find((d) => d.id === p.departmentId)?.name ?? p.departmentId) : null;
  if (p.role === 'worker') return `${ROLE_WORDS.worker} · ${crew ?? 'no crew'}`;
  if (p.role === 'lead') return `${ROLE_WORDS.lead} · ${dept ?? 'no department'}`;
  return ROLE_WORDS.admin;
}

/** How many people the page draws at a time ("Show more" draws the next ones). */
export const PEOPLE_PAGE = 50;

const folded = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * The people with every word of `query` in their name, email, role, crew or department (any
 * case, accents aside), in the order given; everyone for a blank query.
 */
export function findPeople(
  people: readonly PersonInfo[],
  query: string,
  lists: Pick<PeopleResponse, 'crews' | 'departments'>,
): PersonInfo[] {
  const words = folded(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...people];
  return people.filter((p) => {
    const text = folded(`${p.name} ${p.email} ${roleLine(p, lists)}`);
    return words.every((w) => text.includes(w));
  });
}

export class People {
  list = $state.raw<PeopleResponse | null>(null);
  /** True from the start: the page reads at once. */
  loading = $state(true);
  error = $state('');
  /** The accounts being written ('new' for the one being added). */
  busy = $state.raw<ReadonlySet<string>>(new Set());
  /** Active accounts by name, then ended ones. */
  ordered = $derived(
    this.list ? [...this.list.people.filter((p) => p.active), ...this.list.people.filter((p) => !p.active)] : [],
  );

  async load(): Promise<void> {
    this.loading = true;
    const res = await fetchPeople();
    this.loading = false;
    if (res.ok) {
      this.list = res.data;
      this.error = '';
    } else this.error = adminFailure(res.error, 'read the list of people');
  }

  /** Adds an account: the new one, or why not (in words). */
  add(body: { name: string; email: string; password: string; placement: Placement }) {
    return this.#write('new', 'add the person', () => createPerson(body));
  }

  change(id: string, body: UpdatePersonRequest) {
    return this.#write(id, 'save the change', () => updatePerson(id, body));
  }

  async #write(
    key: string,
    what: string,
    call: () => ReturnType<typeof updatePerson>,
  ): Promise<{ person: PersonInfo } | { error: string }> {
    if (this.busy.has(key)) return { error: 'Still saving the last change: a moment.' };
    this.busy = new Set([...this.busy, key]);
    const res = await call();
    this.busy = new Set([...this.busy].filter((b) => b !== key));
    if (!res.ok) return { error: adminFailure(res.error, what) };
    const person = res.data.person;
    if (this.list) {
      const others = this.list.people.filter((p) => p.id !== person.id);
      const people = [...others, person].sort((a, b) => a.name.localeCompare(b.name));
      this.list = { ...this.list, people };
    }
    return { person };
  }
}

import { describe, expect, it } from 'vitest';
import type { PersonInfo } from '@fieldfix/shared';
import { changeOf, draftOf, findPeople, passwordProblem, placementOf, roleLine } from './people.svelte.ts';

const lists = {
  crews: [{ id: 'streets-b', name: 'Streets Crew B', departmentId: 'streets' }],
  departments: [{ id: 'streets', name: 'Streets' }],
};
const person = (over: Partial<PersonInfo>): PersonInfo => ({
  id: 'u1',
  name: 'Dana',
  email: 'dana@riverton.example',
  role: 'worker',
  crewId: 'streets-b',
  departmentId: 'streets',
  active: true,
  createdAt: '2026-12-01T00:00:00.000Z',
  ...over,
});

describe('a person’s place, from the form', () => {
  it('asks for the crew of a crew member and the department of a lead; an admin needs neither', () => {
    expect(placementOf({ role: 'worker', crewId: '', departmentId: 'streets' })).toBe('Choose the crew.');
    expect(placementOf({ role: 'worker', crewId: 'streets-b', departmentId: '' })).toEqual({
      role: 'worker',
      crewId: 'streets-b',
    });
    expect(placementOf({ role: 'lead', crewId: 'streets-b', departmentId: '' })).toBe('Choose the department.');
    expect(placementOf({ role: 'lead', crewId: '', departmentId: 'streets' })).toEqual({
      role: 'lead',
      departmentId: 'streets',
    });
    expect(placementOf({ role: 'admin', crewId: 'streets-b', departmentId: 'streets' })).toEqual({ role: 'admin' });
  });

  it('starts from the person as they are, or as a crew member with nothing chosen', () => {
    expect(draftOf()).toEqual({ role: 'worker', crewId: '', departmentId: '' });
    expect(draftOf(person({ role: 'lead', crewId: null }))).toEqual({
      role: 'lead',
      crewId: '',
      departmentId: 'streets',
    });
  });

  it('says what a password lacks', () => {
    expect(passwordProblem('123456789')).toMatch(/at least 10/);
    expect(passwordProblem(' 1234567890')).toMatch(/space/);
    expect(passwordProblem('1234567890')).toBeNull();
  });

  it('reads a role with its crew or department by name', () => {
    expect(roleLine(person({}), lists)).toBe('Crew member · Streets Crew B');
    expect(roleLine(person({ role: 'lead', crewId: null }), lists)).toBe('Lead · Streets');
    expect(roleLine(person({ role: 'admin', crewId: null, departmentId: null }), lists)).toBe('Administrator');
  });
});

describe('finding a person among thousands', () => {
  const people = [
    person({ id: 'u1', name: 'Dana Pérez', email: 'dana@riverton.example' }),
    person({ id: 'u2', name: 'Sam Ortega', email: 'sam@riverton.example', role: 'lead', crewId: null }),
    person({ id: 'u3', name: 'Ana Petrova', email: 'apetrova@riverton.example', role: 'admin', crewId: null }),
  ];
  const ids = (q: string) => findPeople(people, q, lists).map((p) => p.id);

  it('matches every word in the name, email, role, crew or department, any case, accents aside', () => {
    expect(ids('perez')).toEqual(['u1']);
    expect(ids('PÉREZ dana')).toEqual(['u1']);
    expect(ids('apetrova@')).toEqual(['u3']);
    expect(ids('crew b')).toEqual(['u1']);
    expect(ids('lead streets')).toEqual(['u2']);
    expect(ids('administrator')).toEqual(['u3']);
    expect(ids('dana lead')).toEqual([]);
  });

  it('gives everyone, in order, for a blank search', () => {
    expect(ids('   ')).toEqual(['u1', 'u2', 'u3']);
  });
});

describe('an edit sends what changed, and only that', () => {
  const dana = person({});
  const here = { role: 'worker' as const, crewId: 'streets-b' };

  it('a rename sends the name alone: a move another administrator made meanwhile stands', () => {
    expect(changeOf(dana, { name: '  Dana Ortiz ', email: dana.email }, here)).toEqual({
      body: { name: 'Dana Ortiz' },
      moved: false,
    });
  });

  it('a move sends the placement, and says the person is moved', () => {
    const move = { role: 'worker' as const, crewId: 'streets-a' };
    expect(changeOf(dana, { name: 'Dana', email: dana.email }, move)).toEqual({
      body: { placement: move },
      moved: true,
    });
    const lead = { role: 'lead' as const, departmentId: 'streets' };
    expect(changeOf(dana, { name: 'Dana', email: dana.email }, lead)).toEqual({
      body: { placement: lead },
      moved: true,
    });
    const otherDept = { role: 'lead' as const, departmentId: 'sanitation' };
    expect(
      changeOf(person({ role: 'lead', crewId: null }), { name: 'Dana', email: dana.email }, otherDept)?.moved,
    ).toBe(true);
    expect(changeOf(person({ role: 'lead', crewId: null }), { name: 'Dana', email: dana.email }, lead)).toBeNull();
  });

  it('a new email (trimmed) is sent alone; one the same but for spaces is no change', () => {
    expect(changeOf(dana, { name: 'Dana', email: ' dana.o@riverton.example ' }, here)).toEqual({
      body: { email: 'dana.o@riverton.example' },
      moved: false,
    });
    expect(changeOf(dana, { name: 'Dana', email: ` ${dana.email} ` }, here)).toBeNull();
  });

  it('both at once send both; nothing changed sends nothing', () => {
    const move = { role: 'admin' as const };
    expect(changeOf(dana, { name: 'Dana O.', email: dana.email }, move)).toEqual({
      body: { name: 'Dana O.', placement: move },
      moved: true,
    });
    expect(changeOf(dana, { name: ' Dana ', email: dana.email }, here)).toBeNull();
  });
});

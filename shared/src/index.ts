export * from './domain/lifecycle.ts';
export * from './domain/case.ts';
export * from './domain/service-type.ts';
export * from './domain/people.ts';
export * from './domain/age.ts';
export * from './api/errors.ts';
export * from './api/auth.ts';
export * from './api/day.ts';

// The route-balancing solver of the dispatch board (issue 12): pure, for Node and the browser.
export * from './day.ts';
export { solveDay, orderRoute, evaluateRoutes, currentAssignment, planFigures, type SolveOptions } from './solve.ts';
export { baselinePlan } from './baseline.ts';
export { CvrplibInstance, cvrplibToDay } from './cvrplib.ts';
export { generateDay, type GenerateOptions } from './generate.ts';
export { WEIGHTS } from './problem.ts';

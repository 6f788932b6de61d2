// globalSetup of a conformance project (conformanceConfig / conformanceProject): resolves the
// target, or starts the embedded emulator, when the run starts, hands the suites their
// context, and stops the emulator when vitest closes.
import type { TestProject } from 'vitest/node';
import { planRun, runBanner } from '../plan/run-plan.js';
import { openTarget } from '../plan/target.js';
import { conformanceContextFor } from '../plan/vitest-options.js';
import type {} from './project.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const request = project.getProvidedContext().conformanceRequest;
  if (request === undefined) {
    throw new Error('metering-conformance: this globalSetup needs provide.conformanceRequest; build the project with conformanceConfig() or conformanceProject()');
  }
  // The request is the plan's settings, seed fixed: planning again gives the plan the reporter holds.
  const plan = planRun(request);
  const target = await openTarget(plan);
  for (const note of target.notes) process.stderr.write(`note: ${note}\n`);
  process.stderr.write(`${runBanner(plan, target.description)}\n`);
  project.provide('conformance', conformanceContextFor(plan, target, { maxWorkers: project.config.maxWorkers }));
  return () => target.close();
}

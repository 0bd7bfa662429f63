import type { SimEnv, SimPart } from '../env.js';
import type { Scenario } from '../scenario.js';

/** Placeholder until the aws twin lands: starts nothing. */
export async function startAwsSim(_env: SimEnv, _scenario: Scenario, _now: Date): Promise<SimPart> {
  return { name: 'aws', config: {}, apply: async () => {}, stop: async () => {} };
}

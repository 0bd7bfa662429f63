import type { SimEnv, SimPart } from '../env.js';
import type { Scenario } from '../scenario.js';

/** Placeholder until the postgres twin lands: starts nothing. */
export async function startPostgresSim(_env: SimEnv, _scenario: Scenario, _now: Date): Promise<SimPart> {
  return { name: 'postgres', config: {}, apply: async () => {}, stop: async () => {} };
}

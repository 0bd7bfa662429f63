import type { SimEnv, SimPart } from '../env.js';
import type { Scenario } from '../scenario.js';

/** Placeholder until the coder twin lands: starts nothing. */
export async function startCoderSim(_env: SimEnv, _scenario: Scenario, _now: Date): Promise<SimPart> {
  return { name: 'coder', config: {}, apply: async () => {}, stop: async () => {} };
}

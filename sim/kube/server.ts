import type { SimEnv, SimPart } from '../env.js';
import type { Scenario } from '../scenario.js';

/** Placeholder until the kube twin lands: starts nothing. */
export async function startKubeSim(_env: SimEnv, _scenario: Scenario, _now: Date): Promise<SimPart> {
  return { name: 'kube', config: {}, apply: async () => {}, stop: async () => {} };
}

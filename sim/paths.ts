import { join } from 'node:path';
import { ASL_PATH, packageRoot } from '../lib/paths.js';

/** The simulated deployment's files (scenarios, TLS material): from the source tree or a bundle in dist/. */
export const SIM_DIR = join(packageRoot(), 'sim');
export const SCENARIO_DIR = join(SIM_DIR, 'scenarios');
export const TLS_DIR = join(SIM_DIR, 'tls');
/** CA of the simulated deployment's TLS endpoints. */
export const SIM_CA_FILE = join(TLS_DIR, 'ca.pem');
/** The workflow definition the CDK stack deploys. */
export const ASL_FILE = ASL_PATH;

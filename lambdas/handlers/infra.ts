import { infraGroup } from '../checks/infra/index.js';
import { INFRA_CLIENTS } from '../checks/infra/clients.js';
import { groupLambda } from './group.js';

/** Lambda entry point of the `infra` check group (imports only this group, so its bundle stays small). */
export const handler = await groupLambda(infraGroup, INFRA_CLIENTS);

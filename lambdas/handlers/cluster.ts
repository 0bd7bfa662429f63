import { clusterGroup } from '../checks/cluster/index.js';
import { CLUSTER_CLIENTS } from '../checks/cluster/clients.js';
import { groupLambda } from './group.js';

/** Lambda entry point of the `cluster` check group (imports only this group, so its bundle stays small). */
export const handler = await groupLambda(clusterGroup, CLUSTER_CLIENTS);

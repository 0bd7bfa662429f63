import { databaseGroup } from '../checks/database/index.js';
import { DATABASE_CLIENTS } from '../checks/database/clients.js';
import { groupLambda } from './group.js';

/** Lambda entry point of the `database` check group (imports only this group, so its bundle stays small). */
export const handler = await groupLambda(databaseGroup, DATABASE_CLIENTS);

import { databaseGroup } from '../checks/database/index.js';
import { groupLambda } from './group.js';

/** Lambda entry point of the `database` check group (imports only this group, so its bundle stays small). */
export const handler = groupLambda(databaseGroup);

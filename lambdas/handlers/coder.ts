import { coderGroup } from '../checks/coder/index.js';
import { CODER_CLIENTS } from '../checks/coder/clients.js';
import { groupLambda } from './group.js';

/** Lambda entry point of the `coder` check group (imports only this group, so its bundle stays small). */
export const handler = await groupLambda(coderGroup, CODER_CLIENTS);

// The local DynamoDB lives in sim/ (the demo uses it too); tests import it from here.
export {
  createFindingsTable,
  localClientConfig,
  localClients,
  startDynalite,
  type Dynalite,
} from '../../sim/dynamodb.js';

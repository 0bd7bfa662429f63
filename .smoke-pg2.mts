import { startPgHarness } from './test/sim/postgres/harness.ts';
const h = await startPgHarness();
console.log('started', h.part.server.port);
setInterval(() => {}, 1000);

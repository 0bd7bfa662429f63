#!/usr/bin/env node
// Launcher of the installed `coder-audit` command. Plain JavaScript that any Node.js can parse: it checks
// the version before loading the compiled program (dist/cli, built by `npm run build`).
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`coder-audit needs Node.js 22 or later (found v${process.versions.node})\n`);
  process.exit(2);
}
// Reuse V8's compiled code across runs (Node 22.1+; a no-op where unavailable or not writable).
import('node:module')
  .then((m) => m.enableCompileCache?.())
  .catch(() => undefined)
  .then(() => import('../dist/cli/main.js'))
  .then(
    (cli) => cli.run(process.argv.slice(2)),
    (err) => {
      const missing =
        err && err.code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main\.js/.test(err.message);
      process.stderr.write(
        missing
          ? 'coder-audit is not built: run `npm run build` in the source checkout\n'
          : `coder-audit: could not start: ${err && err.message ? err.message : err}\n`,
      );
      process.exit(2);
    },
  );

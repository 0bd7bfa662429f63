import { CommanderError } from 'commander';
import { AuditError } from '../lambdas/audit/errors.js';
import { EXIT } from './options.js';
import { buildProgram } from './program.js';

/** Run the CLI; returns the exit code instead of exiting (tests call this). */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code))
        return EXIT.ok;
      return EXIT.usage;
    }
    // ConfigError, UsageError and the other deliberate errors carry a message written for the operator.
    if (err instanceof AuditError) {
      process.stderr.write(`coder-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(
      `coder-audit: unexpected error: ${err instanceof Error ? err.message : String(err)}\n` +
        (process.env.CODER_AUDIT_DEBUG && err instanceof Error && err.stack ? `${err.stack}\n` : ''),
    );
    return EXIT.usage;
  }
}

/** A reader that went away (`coder-audit checks | head -1`) ends the command quietly, as `cat` does. */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(Number(process.exitCode ?? 0));
    throw err;
  });
}

/** Entry point of the installed command (bin/coder-audit.mjs): run, then exit with the code. */
export async function run(argv: readonly string[]): Promise<void> {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  const code = await main(argv);
  process.exitCode = code;
  // Do not wait for idle keep-alive sockets; still let stdout drain first.
  const exit = () => process.exit(code);
  if (process.stdout.writableNeedDrain) process.stdout.once('drain', exit);
  else setImmediate(exit);
}

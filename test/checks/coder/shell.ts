import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The key and token the stubbed `coder` prints; never real secrets. */
export const STUB_KEY = 'stubkey0123456789abcdef';
export const STUB_TOKEN = 'stubtoken-0123456789';

/** One stubbed command run: its argv (program name first) and, for `kubectl apply -f -`, what it read. */
export interface Invocation {
  argv: string[];
  stdin?: string;
}

/**
 * Records its argv (and, for `kubectl apply`, its stdin read to the end first) in one write per run: fields
 * separated by \x1f, one run per line, so both sides of a pipe never interleave.
 */
const record = (extra = '') =>
  `rec="$(printf '%s\x1f' "$(basename "$0")" "$@")"${extra}\nprintf '%s\\n' "$rec" >> "$LOG"`;
const STUBS: Record<string, string> = {
  kubectl: `${record(`\nif [ "$1" = apply ]; then rec="$rec$(printf 'stdin=%s' "$(tr '\\n' ' ')")"; fi`)}
if [ "$1" = create ]; then for a in "$@"; do echo "# $a"; done; fi`,
  coder: `${record()}
if [ "$1 $2 $3" = 'provisioner keys create' ]; then
  printf 'Successfully created provisioner key %s! Save this authentication token, it will not be shown again.\\n\\n%s\\n' "$4" ${STUB_KEY}
fi
if [ "$1 $2" = 'tokens create' ]; then echo ${STUB_TOKEN}; fi`,
  aws: record(),
};

/**
 * Run remediation commands as an operator pasting them in order into bash, with `kubectl`, `coder` and `aws`
 * replaced by stubs that record how they were called: what the shell really passes after quoting and
 * expansion.
 */
export function pasteInBash(commands: readonly string[]): {
  calls: Invocation[];
  status: number | null;
  stderr: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'coder-auditor-shell-'));
  try {
    for (const [name, body] of Object.entries(STUBS)) {
      writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    const log = join(dir, 'log');
    writeFileSync(log, '');
    const run = spawnSync('bash', ['-c', commands.join('\n')], {
      env: { PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, LOG: log },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const fields = line.split('\x1f');
        const last = fields.pop()!;
        return last.startsWith('stdin=') ? { argv: fields, stdin: last.slice(6) } : { argv: fields };
      });
    return { calls, status: run.status, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

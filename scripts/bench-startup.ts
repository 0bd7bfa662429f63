import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../lib/paths.js';

/** Start-up figures of the installed command (issue targets in brackets). */
export interface StartupBench {
  versionMs: number;
  helpMs: number;
  checksMs: number;
  firstNetworkCallMs: number;
  /** The same without V8's compile cache (the first run after an install or upgrade). */
  firstNetworkCallColdMs: number;
  helpPeakRssMiB: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * A module preloaded into the measured process: on exit it records the peak RSS, and on the first outgoing
 * TCP connection (diagnostics channel `net.client.socket`) the wall-clock time, then ends the process.
 */
const PROBE = `
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
const out = process.env.CODER_AUDIT_BENCH_PROBE;
process.on('exit', () => writeFileSync(out + '.rss', String(process.resourceUsage().maxRSS)));
subscribe('net.client.socket', () => {
  writeFileSync(out + '.net', String(performance.timeOrigin + performance.now()));
  process.exit(0);
});
`;

/**
 * Median of `runs` fresh processes of the built command for `--version`, `--help`, `checks`, and the time
 * from process start to the first network call of `run -c configFile`; peak RSS of `--help`.
 */
export function benchStartup(configFile: string, runs = 7): StartupBench {
  const dir = mkdtempSync(join(tmpdir(), 'coder-audit-startup-'));
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, PROBE);
  const cli = join(packageRoot(), 'bin', 'coder-audit.mjs');
  const env = { ...process.env, CODER_AUDIT_BENCH_PROBE: join(dir, 'mark'), NO_COLOR: '1' };
  const time = (args: string[], withProbe = false, cold = false): number => {
    const t0 = performance.timeOrigin + performance.now();
    const r = spawnSync(process.execPath, [...(withProbe ? ['--import', probe] : []), cli, ...args], {
      env: cold ? { ...env, NODE_DISABLE_COMPILE_CACHE: '1' } : env,
      encoding: 'utf8',
    });
    const t1 = performance.timeOrigin + performance.now();
    if (r.status !== 0 && !withProbe) throw new Error(`coder-audit ${args.join(' ')}: ${r.stderr}`);
    if (args[0] === 'run') return Number(readFileSync(join(dir, 'mark.net'), 'utf8')) - t0;
    return t1 - t0;
  };
  try {
    const series = (args: string[], withProbe = false, cold = false) =>
      Math.round(median(Array.from({ length: runs }, () => time(args, withProbe, cold))));
    const versionMs = series(['--version']);
    const helpMs = series(['--help']);
    const checksMs = series(['checks']);
    const firstNetworkCallMs = series(['run', '-c', configFile, '--quiet'], true);
    const firstNetworkCallColdMs = series(['run', '-c', configFile, '--quiet'], true, true);
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      time(['--help'], true);
      rss.push(Number(readFileSync(join(dir, 'mark.rss'), 'utf8')) / 1024);
    }
    return {
      versionMs,
      helpMs,
      checksMs,
      firstNetworkCallMs,
      firstNetworkCallColdMs,
      helpPeakRssMiB: Math.round(median(rss)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as printed lines, each with its target. */
export function startupLines(s: StartupBench, runs = 7): string[] {
  const row = (what: string, v: string, target: string) =>
    `  ${what.padEnd(44)} ${v.padStart(7)}   (target ${target})`;
  return [
    `Start-up of the built command (median of ${runs} fresh processes, V8 compile cache on as the launcher sets it):`,
    row('coder-audit --version', `${s.versionMs} ms`, '<= 150 ms'),
    row('coder-audit --help', `${s.helpMs} ms`, '<= 150 ms'),
    row('coder-audit checks', `${s.checksMs} ms`, '<= 250 ms'),
    row('coder-audit run: process start to first network call', `${s.firstNetworkCallMs} ms`, '<= 400 ms'),
    row('  the same without the compile cache (first run)', `${s.firstNetworkCallColdMs} ms`, 'none'),
    row('coder-audit --help peak RSS', `${s.helpPeakRssMiB} MiB`, '<= 80 MiB'),
  ];
}

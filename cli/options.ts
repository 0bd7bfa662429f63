import { InvalidArgumentError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../lambdas/audit/model.js';

/** Output formats of `run` and `demo`. */
export const FORMATS = ['table', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

/** Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or configuration error. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export function parseSeverity(v: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${SEVERITIES.join(', ')}`);
  return v as Severity;
}

/** `--only a,b`: at least one id; whether each exists is checked against the catalogue when the command runs. */
export function parseOnly(v: string): string[] {
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new InvalidArgumentError('give at least one check id (see `coder-audit checks`)');
  return ids;
}

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

export const formatOption = () =>
  new Option('--format <format>', 'output format').choices(FORMATS).default('table');
export const failOnOption = () =>
  new Option('--fail-on <severity>', 'exit 1 when a failing or erroring finding is at or above this severity')
    .argParser(parseSeverity)
    .default('high');

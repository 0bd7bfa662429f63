import { redactLine } from './redact.js';

/** Base class of every error coder-auditor raises on purpose. */
export class AuditError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuditError';
  }
}

/** The configuration file is missing, unreadable or invalid. The CLI exits 2 with `message`. */
export class ConfigError extends AuditError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The command line asks for something that cannot be done. The CLI exits 2 with `message`. */
export class UsageError extends AuditError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A fact a check needs could not be collected (access denied, timeout, 5xx...). */
export class FactUnavailableError extends AuditError {
  public readonly fact: string;
  public constructor(fact: string, reason: string, options?: ErrorOptions) {
    super(`could not read ${fact}: ${reason}`, options);
    this.name = 'FactUnavailableError';
    this.fact = fact;
  }
}

/** A collection or a check did not finish before its deadline. */
export class DeadlineError extends AuditError {
  public constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** Longest error description kept, in characters. */
const MAX_ERROR_CHARS = 1000;

/**
 * Short, log-safe description of any thrown value: `Name: message` (AWS error codes kept), redacted and
 * bounded (error messages quote what services answered).
 */
export function describeError(err: unknown): string {
  return redactLine(rawDescription(err), MAX_ERROR_CHARS);
}

function rawDescription(err: unknown): string {
  if (err instanceof AuditError) return err.message;
  if (err instanceof Error) {
    const code = (err as { Code?: string; code?: string }).Code ?? (err as { code?: string }).code;
    const name = err.name && err.name !== 'Error' ? err.name : (code ?? 'Error');
    const msg = err.message || String(code ?? '');
    return msg.startsWith(name) ? msg : `${name}: ${msg}`;
  }
  return String(err);
}

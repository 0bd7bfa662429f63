import type { DeploymentConfig } from '../../audit/config.js';
import { shq } from '../../audit/model.js';

/** `<aurora cluster id>/<database>`: the resource of the database findings. */
export function databaseResource(deployment: DeploymentConfig): string {
  return `${deployment.aurora.clusterId}/${deployment.database?.database ?? 'coder'}`;
}

/** The runbook's way to run SQL: psql from the coderd pod, filled with the real endpoint and names. */
export function psqlCommand(deployment: DeploymentConfig, sql: string): string {
  const db = deployment.database;
  const host = db?.host ?? '<aurora-endpoint>';
  const name = db?.database ?? 'coder';
  const { coderd, namespaces } = deployment;
  return (
    `kubectl exec -it ${shq(`deploy/${coderd.deploymentName}`)} -n ${shq(namespaces.coderd)} -- ` +
    `psql -h ${shq(host)} -U coder -d ${shq(name)} -c ${shq(sql)}`
  );
}

/** A PostgreSQL identifier, quoted only when it needs it. */
export function sqlIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `45s`, `7m 12s`, `3h 05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `N minutes` for a threshold that may be fractional (scenarios use 0.02). */
export function formatMinutes(minutes: number): string {
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} min` : formatDuration(minutes * 60);
}

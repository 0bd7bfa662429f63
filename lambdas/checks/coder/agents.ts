import type { DeploymentConfig } from '../../audit/config.js';
import { Component, shq, type Remediation } from '../../audit/model.js';
import type { CODER_META } from './meta.js';

/** A reason of workspace-agents. */
export type AgentReason = keyof (typeof CODER_META)['workspace-agents']['reasons'];

/**
 * The failure an agent reports, from codersdk.WorkspaceAgentStatus (`disconnected`: coderd lost it;
 * `timeout`: it never connected within its connection timeout) and WorkspaceAgentLifecycle (`start_error`,
 * `start_timeout`: its startup script failed or overran); `connecting` and the other states are not one.
 */
export function agentReason(a: { status: string; lifecycle_state: string }): AgentReason | undefined {
  if (a.status === 'disconnected') return 'disconnected';
  if (a.status === 'timeout') return 'timeout';
  if (a.lifecycle_state === 'start_error') return 'startup-script-failed';
  if (a.lifecycle_state === 'start_timeout') return 'startup-timeout';
  return undefined;
}

/**
 * The runbook's "Coder CLI Debugging" on one affected workspace (`coder show`; for a startup script, its
 * log in the workspace), then the workspace pods and their events.
 */
export function agentRemediation(d: DeploymentConfig, reason: AgentReason, sample: string): Remediation {
  const ws = shq(d.namespaces.workspaces);
  const text = 'Look at one affected workspace, then at the pods and events of the workspace namespace.';
  const kube = [`kubectl get pods -n ${ws} -o wide`, `kubectl get events -n ${ws} --sort-by=.lastTimestamp`];
  const script = reason.startsWith('startup')
    ? [`coder ssh ${shq(sample)} -- cat /tmp/coder-startup-script.log`]
    : [];
  return {
    text,
    commands: [`coder show ${shq(sample)}`, ...script, ...kube],
    needs: [Component.CoderApi],
    otherwise: { text, commands: kube },
  };
}

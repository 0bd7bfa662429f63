import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef, templateDiagnosis } from './lib.js';
import { CODER_META } from './meta.js';

/** Compliant when each expected template is in the organization, not deprecated, and its ACL grants someone. */
export default defineCheck<CoderSnapshot>(CODER_META['templates-available'], (snap, { deployment: d }) => {
  const templates = need(snap.templates);
  const org = d.coder!.organization;
  return d.coder!.expectedTemplates.map((name): FindingInput => {
    const resource = coderRef(d, 'template', name);
    const t = templates.find((x) => x.name === name);
    const fail = (
      reason: 'missing' | 'deprecated' | 'empty-acl',
      detail: string,
      evidence: Record<string, unknown>,
      text: string,
    ): FindingInput => ({
      status: 'fail',
      reason,
      resource,
      detail: `Template ${name} ${detail}.`,
      evidence,
      remediation: templateDiagnosis(
        d,
        name,
        reason === 'empty-acl' ? 'coderd_template_acl' : 'coderd_template',
        text,
      ),
    });
    if (!t) {
      const evidence = { organization: org, found: templates.map((x) => x.name) };
      return fail(
        'missing',
        `is not in organization ${org}`,
        evidence,
        'Check that Terraform created it in this organization.',
      );
    }
    if (t.deprecated) {
      const why = `is deprecated${t.deprecation_message ? ` (${t.deprecation_message})` : ''}: no new workspaces`;
      return fail(
        'deprecated',
        why,
        { id: t.id, deprecated: true },
        'Clear its deprecation_message, or stop expecting it.',
      );
    }
    const aclFact = snap.templateAcls[name];
    if (!aclFact?.ok) {
      const why = aclFact?.error ?? 'not read';
      return { status: 'error', resource, detail: `ACL of template ${name} not evaluated: ${why}.` };
    }
    const acl = aclFact.value;
    if (!acl.available) {
      const why = `HTTP ${acl.status}: ${acl.message || 'no message'}`;
      const detail = `Template ${name} is present; ACL not read (${why}): without Template RBAC all members can use it.`;
      return { status: 'pass', resource, detail, evidence: { id: t.id, aclStatus: acl.status } };
    }
    const groups = acl.value.group.map((g) => g.name);
    const users = acl.value.users.map((u) => u.username);
    const evidence = { id: t.id, groups, users: users.length };
    if (groups.length + users.length === 0) {
      const why = 'exists but its ACL grants no user or group: nobody sees it in the Coder UI';
      return fail(
        'empty-acl',
        why,
        evidence,
        'Grant the template to the right groups in coderd_template_acl.',
      );
    }
    const to = [...groups.map((g) => `group ${g}`), ...(users.length ? [`${users.length} users`] : [])].join(
      ', ',
    );
    return { status: 'pass', resource, detail: `Template ${name} is available to ${to}.`, evidence };
  });
});

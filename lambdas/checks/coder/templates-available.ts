import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { SkipReason } from '../../audit/model.js';
import { quote } from '../../audit/untrusted.js';
import type { CoderSnapshot } from './collector.js';
import { Feature, coderRef, templateFailure, unreadable, type TemplateReason } from './lib.js';
import { CODER_META } from './meta.js';
import { Capability, capabilities, roleGap, rolesLabel } from './roles.js';

/** Compliant when each expected template is in the organization, not deprecated, and its ACL grants someone. */
export default defineCheck<CoderSnapshot>(CODER_META['templates-available'], (snap, { deployment: d }) => {
  const templates = need(snap.templates);
  const org = d.coder!.organization;
  return d.coder!.expectedTemplates.map((name): FindingInput => {
    const resource = coderRef(d, 'template', name);
    const t = templates.find((x) => x.name === name);
    const fail = (reason: TemplateReason, detail: string, evidence: Record<string, unknown>, text: string) =>
      templateFailure(d, name, { reason, detail, evidence, text });
    if (!t) {
      // A role without template:read sees only the templates shared with it: absence proves nothing.
      if (!snap.access.ok) {
        const detail = `Not found, and ${snap.access.name} unknown: ${snap.access.error}.`;
        return { status: 'error', resource, detail };
      }
      if (!capabilities(snap.access.value).has(Capability.AllTemplates)) {
        const detail = `Template ${name} not seen: ${roleGap(snap.access.value, Capability.AllTemplates)}.`;
        const evidence = { roles: rolesLabel(snap.access.value) };
        return { status: 'skipped', reason: SkipReason.RoleGap, resource, detail, evidence };
      }
      const evidence = { organization: org, found: templates.slice(0, 50).map((x) => x.name) };
      const text = 'Check that Terraform created it in this organization.';
      return fail('missing', `is not in organization ${org}`, evidence, text);
    }
    if (t.deprecated) {
      const why = `is deprecated${t.deprecation_message ? ` (${quote(t.deprecation_message)})` : ''}: no new workspaces`;
      const text = 'Clear its deprecation_message, or stop expecting it.';
      return fail('deprecated', why, { id: t.id, deprecated: true }, text);
    }
    // Without Template RBAC (the licence says so) every member of the organization can use the template.
    const licence = need(snap.licence);
    if (!licence.features[Feature.TemplateRbac]) {
      const detail = `Template ${name} is present; without Template RBAC (licence) every member can use it.`;
      return { status: 'pass', resource, detail, evidence: { id: t.id, edition: licence.edition } };
    }
    const aclFact = snap.templateAcls[name];
    if (!aclFact?.ok) {
      const why = aclFact?.error ?? 'not read';
      return { status: 'error', resource, detail: `ACL of template ${name} not evaluated: ${why}.` };
    }
    const acl = aclFact.value;
    if (!acl.available)
      return { ...unreadable(snap.access, Capability.AllTemplates, resource, acl), key: '' };
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

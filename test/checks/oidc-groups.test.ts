import { describe, expect, it } from 'vitest';
import { groupSync, providerOf } from '../../lambdas/checks/oidc-groups.js';

const REQUIRED = ['openid', 'profile', 'email', 'groups'];
const ENTRA = 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0';

describe('Function: groupSync', () => {
  it('Compliance: a provider with a groups scope asks for the scope and nothing else', () => {
    expect(providerOf('https://sso.example.com/realms/coder')).toBe('keycloak');
    expect(groupSync(REQUIRED, 'https://sso.example.com/realms/coder', false)).toEqual({ scopes: REQUIRED });
  });

  it('Noncompliance 1: a provider that puts groups in a claim needs CODER_OIDC_GROUP_FIELD, not the scope', () => {
    const sync = groupSync(REQUIRED, ENTRA, false);
    expect(sync).toMatchObject({ scopes: ['openid', 'profile', 'email'], field: 'groups' });
    expect(sync.fieldProblem).toMatch(
      /^CODER_OIDC_GROUP_FIELD is not set: Microsoft Entra ID delivers groups/,
    );
    expect(groupSync(REQUIRED, ENTRA, true)).toEqual({ scopes: ['openid', 'profile', 'email'] });
  });

  it('Noncompliance 2: a provider without groups cannot sync them; without groups required, nothing to say', () => {
    expect(groupSync(REQUIRED, 'https://accounts.google.com', false).noGroups).toBe(
      "group sync is expected but Google's ID tokens carry no groups",
    );
    expect(groupSync(['openid'], 'https://accounts.google.com', false)).toEqual({ scopes: ['openid'] });
  });
});

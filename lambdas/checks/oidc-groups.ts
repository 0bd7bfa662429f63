/**
 * How an identity provider delivers a user's groups to coderd, shared by `oidc-discovery` (coder group, reads
 * the discovery document) and `oidc-config` (cluster group, reads coderd's env). The runbook's rule (request
 * the `groups` scope) holds for providers that have one; the others put groups in a token claim that the
 * provider's own configuration controls, and coderd reads it through CODER_OIDC_GROUP_FIELD:
 *
 * - Okta org authorization server, generic providers, Keycloak realms with a `groups` client scope: the scope.
 *   (Keycloak refuses unknown scopes, so requesting `groups` without such a client scope breaks logins.)
 * - Microsoft Entra ID: no such scope; the app registration's token configuration adds the `groups` claim.
 * - Amazon Cognito: no such scope; the ID token always carries `cognito:groups`.
 * - Okta custom authorization servers (`/oauth2/<id>`): a custom `groups` claim, no scope by default.
 * - Google: no groups in its tokens at all.
 */
export type OidcProvider = 'entra' | 'cognito' | 'google' | 'keycloak' | 'okta' | 'okta-custom' | 'generic';

export interface GroupsDelivery {
  provider: OidcProvider;
  via: 'scope' | 'claim' | 'none';
  /** The claim coderd must read (CODER_OIDC_GROUP_FIELD) when `via` is `claim`. */
  claim?: string;
  /** What to configure on the provider's side. */
  setup: string;
}

/** The provider of an issuer or endpoint URL, from its host and path. */
export function providerOf(url: string | undefined): OidcProvider {
  let u: URL;
  try {
    u = new URL(url ?? '');
  } catch {
    return 'generic';
  }
  const host = u.hostname.toLowerCase();
  if (host === 'login.microsoftonline.com' || host === 'sts.windows.net' || host.endsWith('.ciamlogin.com'))
    return 'entra';
  if (/^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(host) || host.endsWith('.amazoncognito.com'))
    return 'cognito';
  if (host === 'accounts.google.com') return 'google';
  if (/\.(okta|oktapreview|okta-emea)\.com$/.test(host)) {
    return /^\/oauth2\/(?!v1\/)[^/]+/.test(u.pathname) ? 'okta-custom' : 'okta';
  }
  if (/\/realms\/[^/]+/.test(u.pathname)) return 'keycloak';
  return 'generic';
}

/** The provider of a discovery document: its endpoints name the provider even when the issuer is proxied. */
export function providerOfDocument(doc: { issuer: string; authorization_endpoint?: string }): OidcProvider {
  const byEndpoint = providerOf(doc.authorization_endpoint);
  return byEndpoint !== 'generic' ? byEndpoint : providerOf(doc.issuer);
}

const SETUP: Record<OidcProvider, Omit<GroupsDelivery, 'provider'>> = {
  entra: {
    via: 'claim',
    claim: 'groups',
    setup: "add the groups claim in the app registration's Token configuration (groupMembershipClaims)",
  },
  cognito: {
    via: 'claim',
    claim: 'cognito:groups',
    setup: 'Cognito puts user pool groups in cognito:groups',
  },
  'okta-custom': {
    via: 'claim',
    claim: 'groups',
    setup: 'add a groups claim to the custom authorization server',
  },
  google: { via: 'none', setup: "Google's ID tokens carry no groups" },
  okta: { via: 'scope', setup: 'request the groups scope' },
  keycloak: {
    via: 'scope',
    setup: 'a groups client scope with a Group Membership mapper, requested by coderd',
  },
  generic: { via: 'scope', setup: 'request the groups scope' },
};

/**
 * How `provider` delivers groups; a discovery document that lists a `groups` scope settles it (the scope).
 */
export function groupsDelivery(provider: OidcProvider, scopesSupported?: readonly string[]): GroupsDelivery {
  if (scopesSupported?.includes('groups'))
    return { provider, via: 'scope', setup: 'request the groups scope' };
  return { provider, ...SETUP[provider] };
}

/** Display name of a provider. */
export const PROVIDER_NAMES: Record<OidcProvider, string> = {
  entra: 'Microsoft Entra ID',
  cognito: 'Amazon Cognito',
  google: 'Google',
  keycloak: 'Keycloak',
  okta: 'Okta',
  'okta-custom': 'Okta (custom authorization server)',
  generic: 'the identity provider',
};

/** What group sync asks of coderd's settings (oidc-config), for the provider of its issuer. */
export interface GroupSync {
  /** The scopes coderd must request: `groups` only where the provider delivers groups by a scope. */
  scopes: readonly string[];
  /** The claim CODER_OIDC_GROUP_FIELD must name when it is unset and the provider puts groups in a claim. */
  field?: string;
  /** Why CODER_OIDC_GROUP_FIELD must be set, when `field` is. */
  fieldProblem?: string;
  /** Why group sync cannot work at all (the provider has no groups), when it is expected. */
  noGroups?: string;
}

/**
 * Group sync for `required` scopes (`groups` among them means "group sync expected") with the provider of
 * `issuer`, and whether CODER_OIDC_GROUP_FIELD is set (or may be, through a reference).
 */
export function groupSync(
  required: readonly string[],
  issuer: string | undefined,
  fieldSet: boolean,
): GroupSync {
  const groups = groupsDelivery(providerOf(issuer));
  const expected = required.includes('groups');
  const provider = PROVIDER_NAMES[groups.provider];
  const field = expected && groups.via === 'claim' && !fieldSet ? groups.claim : undefined;
  return {
    scopes: groups.via === 'scope' ? required : required.filter((s) => s !== 'groups'),
    ...(field
      ? {
          field,
          fieldProblem: `CODER_OIDC_GROUP_FIELD is not set: ${provider} delivers groups in the ${field} claim (${groups.setup}), which coderd reads only when told`,
        }
      : {}),
    ...(expected && groups.via === 'none' ? { noGroups: `group sync is expected but ${groups.setup}` } : {}),
  };
}

/**
 * Discovery documents of real identity providers, as they publish them, for the OIDC issuer twin. Only the
 * `issuer` is the twin's own URL (the auditor compares it with the configured issuer); every other field is
 * the provider's, endpoints included, since the auditor never calls them. What matters for group sync:
 *
 * - Keycloak: no `groups` scope by default; groups come from a Group Membership mapper on a client scope.
 * - Okta (org authorization server): lists a `groups` scope (the runbook's rule applies).
 * - Microsoft Entra ID (v2.0): `openid profile email offline_access` only; groups come from the app's token
 *   configuration (`groupMembershipClaims`), as the `groups` claim.
 * - Google: `openid email profile`; its ID tokens carry no group claim at all.
 * - Amazon Cognito user pools: `openid email phone profile`; groups come as the `cognito:groups` claim.
 */
export const IDP_PROVIDERS = ['generic', 'keycloak', 'okta', 'entra', 'google', 'cognito'] as const;
export type IdpProvider = (typeof IDP_PROVIDERS)[number];

type Doc = Record<string, unknown>;

/**
 * Keycloak 26 realm `coder`: https://www.keycloak.org/docs/latest/securing_apps/#_oidc (endpoints) and the
 * server's `/realms/{realm}/.well-known/openid-configuration` (default client scopes of a new realm).
 */
function keycloak(): Doc {
  const realm = 'https://keycloak.example.com/realms/coder/protocol/openid-connect';
  return {
    authorization_endpoint: `${realm}/auth`,
    token_endpoint: `${realm}/token`,
    introspection_endpoint: `${realm}/token/introspect`,
    userinfo_endpoint: `${realm}/userinfo`,
    end_session_endpoint: `${realm}/logout`,
    jwks_uri: `${realm}/certs`,
    grant_types_supported: [
      'authorization_code',
      'implicit',
      'refresh_token',
      'password',
      'client_credentials',
    ],
    response_types_supported: ['code', 'none', 'id_token', 'token', 'id_token token', 'code id_token'],
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'PS256'],
    claims_supported: [
      'aud',
      'sub',
      'iss',
      'auth_time',
      'name',
      'given_name',
      'family_name',
      'preferred_username',
      'email',
      'acr',
    ],
    scopes_supported: [
      'openid',
      'microprofile-jwt',
      'phone',
      'roles',
      'basic',
      'email',
      'address',
      'web-origins',
      'acr',
      'offline_access',
      'organization',
      'profile',
    ],
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

/** Okta org authorization server: https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/orgas */
function okta(): Doc {
  const base = 'https://example.okta.com/oauth2/v1';
  return {
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/userinfo`,
    registration_endpoint: 'https://example.okta.com/oauth2/v1/clients',
    jwks_uri: `${base}/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'code token', 'id_token token'],
    response_modes_supported: ['query', 'fragment', 'form_post', 'okta_post_message'],
    grant_types_supported: ['authorization_code', 'implicit', 'refresh_token', 'password'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile', 'address', 'phone', 'offline_access', 'groups'],
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'none',
    ],
    claims_supported: [
      'iss',
      'ver',
      'sub',
      'aud',
      'iat',
      'exp',
      'jti',
      'auth_time',
      'amr',
      'idp',
      'nonce',
      'name',
      'nickname',
      'preferred_username',
      'given_name',
      'middle_name',
      'family_name',
      'email',
      'email_verified',
      'profile',
      'zoneinfo',
      'locale',
      'address',
      'phone_number',
      'picture',
      'website',
      'gender',
      'birthdate',
      'updated_at',
      'at_hash',
      'c_hash',
    ],
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * Microsoft Entra ID v2.0 (`https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration`,
 * learn.microsoft.com/entra/identity-platform/v2-protocols-oidc).
 */
function entra(): Doc {
  const tenant = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const host = 'https://login.microsoftonline.com';
  return {
    token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${host}/${tenant}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** Google: https://developers.google.com/identity/openid-connect/reference#discovery-document */
function google(): Doc {
  return {
    authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    device_authorization_endpoint: 'https://oauth2.googleapis.com/device/code',
    token_endpoint: 'https://oauth2.googleapis.com/token',
    userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
    jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
    response_types_supported: [
      'code',
      'token',
      'id_token',
      'code token',
      'code id_token',
      'token id_token',
      'code token id_token',
      'none',
    ],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: [
      'aud',
      'email',
      'email_verified',
      'exp',
      'family_name',
      'given_name',
      'iat',
      'iss',
      'name',
      'picture',
      'sub',
    ],
    code_challenge_methods_supported: ['plain', 'S256'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ],
  };
}

/**
 * Amazon Cognito user pool (`https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/openid-configuration`,
 * docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html); no `claims_supported`.
 */
function cognito(): Doc {
  const domain = 'https://coder-example.auth.eu-west-1.amazoncognito.com';
  return {
    authorization_endpoint: `${domain}/oauth2/authorize`,
    end_session_endpoint: `${domain}/logout`,
    id_token_signing_alg_values_supported: ['RS256'],
    jwks_uri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
    response_types_supported: ['code', 'token'],
    revocation_endpoint: `${domain}/oauth2/revoke`,
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    subject_types_supported: ['public'],
    token_endpoint: `${domain}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${domain}/oauth2/userInfo`,
  };
}

/** A generic provider (the twin's first document): its endpoints under the twin's own issuer. */
function generic(issuerBase: string, scopes: readonly string[]): Doc {
  return {
    authorization_endpoint: `${issuerBase}/authorize`,
    token_endpoint: `${issuerBase}/token`,
    userinfo_endpoint: `${issuerBase}/userinfo`,
    jwks_uri: `${issuerBase}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: [...scopes],
    claims_supported: ['sub', 'email', 'email_verified', 'name', 'preferred_username', 'groups'],
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * The discovery document the twin serves for `provider`: the real document with the twin's issuer.
 * `scopes` overrides `scopes_supported` (only for the generic provider, or when a scenario sets it).
 */
export function discoveryDocument(
  provider: IdpProvider,
  issuer: string,
  issuerBase: string,
  scopes?: readonly string[],
): Doc {
  const doc =
    provider === 'keycloak'
      ? keycloak()
      : provider === 'okta'
        ? okta()
        : provider === 'entra'
          ? entra()
          : provider === 'google'
            ? google()
            : provider === 'cognito'
              ? cognito()
              : generic(issuerBase, scopes ?? ['openid', 'profile', 'email', 'groups', 'offline_access']);
  return { issuer, ...doc, ...(scopes && provider !== 'generic' ? { scopes_supported: [...scopes] } : {}) };
}

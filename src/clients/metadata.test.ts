import { describe, expect, it } from '@jest/globals';
import { ACR } from '../assurance/acr.js';
import type { Config } from '../config.js';
import { FieldError } from '../errors.js';
import { buildClientMetadata, type NewClient, parseClientInput } from './metadata.js';

/** From what an admin asks for to the metadata the provider stores, kind by kind. */
const rules = {
  allowHttpLocalhost: false,
  ttl: {
    accessTokenMinSeconds: 60,
    accessTokenMaxSeconds: 3600,
    refreshTokenMinSeconds: 3600,
    refreshTokenMaxSeconds: 7_776_000,
  } as Config['ttl'],
};
const build = (input: NewClient) => buildClientMetadata(parseClientInput(input), 'app-1', rules);
const refusal = (input: NewClient) => {
  try {
    build(input);
  } catch (error) {
    if (error instanceof FieldError) return `${error.field}: ${error.problem}`;
    throw error;
  }
  return undefined;
};
const web: NewClient = { name: 'JAL Web', kind: 'web', redirectUris: ['https://www.example.jp/cb'] };

describe('client metadata', () => {
  it('makes a web app confidential with a client secret, every member scope and both grants by default', () => {
    expect(build(web)).toMatchObject({
      client_id: 'app-1',
      client_kind: 'web',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid profile email phone membership offline_access',
      id_token_signed_response_alg: 'RS256',
      first_party: false,
    });
  });

  it('makes native and browser apps public (PKCE only), native ones of application type native', () => {
    expect(build({ name: 'App', kind: 'native', redirectUris: ['com.example.app:/cb'] })).toMatchObject({
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    });
    expect(build({ name: 'SPA', kind: 'spa', redirectUris: ['https://spa.example.jp/'] })).toMatchObject({
      token_endpoint_auth_method: 'none',
      application_type: 'web',
    });
  });

  it('gives a service client the client credentials grant only, with its admin role and no scope', () => {
    const service = build({ name: 'Report', kind: 'service', adminRole: 'viewer' });
    expect(service).toMatchObject({
      grant_types: ['client_credentials'],
      response_types: [],
      admin_role: 'viewer',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(service.scope).toBeUndefined();
  });

  it('keeps the privileged settings an admin chose', () => {
    expect(
      build({
        ...web,
        firstParty: true,
        minAcr: ACR.otp,
        accessTokenTtl: 300,
        scopes: ['openid', 'membership'],
        idTokenSigningAlg: 'ES256',
      }),
    ).toMatchObject({
      first_party: true,
      min_acr: ACR.otp,
      access_token_ttl: 300,
      scope: 'openid membership',
      id_token_signed_response_alg: 'ES256',
    });
  });

  it.each<[string, NewClient, string]>([
    [
      'a web app without a redirect URI',
      { name: 'X', kind: 'web' },
      'redirectUris: at least one redirect URI is required',
    ],
    [
      'an http redirect URI',
      { ...web, redirectUris: ['http://www.example.jp/cb'] },
      'redirectUris: http://www.example.jp/cb must use https (http is only allowed for loopback redirects of native apps)',
    ],
    [
      'a public app with a client secret',
      {
        name: 'SPA',
        kind: 'spa',
        redirectUris: ['https://spa.example.jp/'],
        tokenEndpointAuthMethod: 'client_secret_basic',
      },
      'tokenEndpointAuthMethod: a spa app is public: it authenticates with PKCE only',
    ],
    [
      'private_key_jwt without keys',
      { ...web, tokenEndpointAuthMethod: 'private_key_jwt' },
      'jwksUri: private_key_jwt needs the app’s public keys (jwksUri or jwks)',
    ],
    [
      'keys without private_key_jwt',
      { ...web, jwksUri: 'https://www.example.jp/jwks' },
      'jwksUri: is only used with private_key_jwt',
    ],
    [
      'a service client without a role',
      { name: 'S', kind: 'service' },
      'adminRole: is required for a service client (viewer or editor)',
    ],
    [
      'a service client with redirect URIs',
      { name: 'S', kind: 'service', adminRole: 'editor', redirectUris: ['https://x.example.jp/'] },
      'redirectUris: a service client has no redirect URIs',
    ],
    ['an admin role for a member app', { ...web, adminRole: 'editor' }, 'adminRole: is only for service clients'],
    [
      'an access token lifetime out of bounds',
      { ...web, accessTokenTtl: 30 },
      'accessTokenTtl: must be between 60 and 3600 seconds',
    ],
    [
      'a refresh token lifetime out of bounds',
      { ...web, refreshTokenTtl: 10_000_000 },
      'refreshTokenTtl: must be between 3600 and 7776000 seconds',
    ],
    [
      'grants without the authorization code',
      { ...web, grantTypes: ['refresh_token'] },
      'grantTypes: must include authorization_code',
    ],
    [
      'an unknown kind',
      { ...web, kind: 'robot' as never },
      'kind: Invalid option: expected one of "web"|"native"|"spa"|"service"',
    ],
  ])('refuses %s, naming the field', (_name, input, problem) => {
    expect(refusal(input)).toBe(problem);
  });
});

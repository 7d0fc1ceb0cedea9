/**
 * The admin API described as OpenAPI 3.1, served at /api/admin/openapi.json. Kept next to the
 * routes (routes.ts): a route without an entry here is a bug, and a test compares the two.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = {
  '400': { description: 'Invalid input', ...json(ref('Error')) },
  '401': { description: 'Missing, unknown, expired or foreign token', ...json(ref('Error')) },
  '403': {
    description: 'The token lacks the scope (or is not an admin or admin service client token)',
    ...json(ref('Error')),
  },
};
const notFound = { '404': { description: 'Not found', ...json(ref('Error')) } };
const id = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
});
const read = [{ oauth2: ['admin:read'] }, { bearer: [] }];
const write = [{ oauth2: ['admin:write'] }, { bearer: [] }];
/** A POST that changes one client or member and answers with it. */
const action = (idDescription: string, summary: string, done: string, schema: string) => ({
  parameters: [id('id', idDescription)],
  post: {
    summary,
    security: write,
    responses: { '200': { description: done, ...json(ref(schema)) }, ...errors, ...notFound },
  },
});

export function openApiDocument(issuer: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'JMB identity provider — admin API',
      version: '1.0.0',
      description:
        'Administration of relying applications, members and the audit trail. Authenticate with a bearer token from this provider for the resource ' +
        `${issuer}/api/admin: the admin console's token (an admin signed in with a passkey) or a service client's token from the client credentials grant ` +
        '(scope admin:read, or admin:read admin:write for clients with the editor role).',
    },
    servers: [{ url: `${issuer}/api/admin` }],
    components: {
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: { 'admin:read': 'Read clients, members and the audit trail', 'admin:write': 'Change them' },
            },
          },
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An access token issued by this provider for the admin API',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string' }, error_description: { type: 'string' }, field: { type: 'string' } },
        },
        ClientInput: {
          type: 'object',
          properties: {
            client_id: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]{3,64}$',
              description: 'Optional; random when omitted. Create only.',
            },
            name: { type: 'string', maxLength: 100 },
            kind: { enum: ['web', 'native', 'spa', 'service'], description: 'Create only.' },
            token_endpoint_auth_method: {
              enum: ['client_secret_basic', 'private_key_jwt'],
              description: 'web and service only',
            },
            jwks_uri: { type: 'string', format: 'uri', description: 'For private_key_jwt' },
            jwks: { type: 'object', description: 'For private_key_jwt, instead of jwks_uri' },
            redirect_uris: {
              type: 'array',
              items: { type: 'string', format: 'uri' },
              description: 'Exact URIs; https (loopback http for native apps), no fragment',
            },
            post_logout_redirect_uris: { type: 'array', items: { type: 'string', format: 'uri' } },
            backchannel_logout_uri: {
              type: ['string', 'null'],
              format: 'uri',
              description:
                'OpenID Connect Back-Channel Logout 1.0: where logout tokens are posted when a member’s session ends; https (loopback http outside production), no fragment, no private or loopback address. null removes it.',
            },
            backchannel_logout_session_required: {
              type: 'boolean',
              description: 'Logout tokens (and ID tokens) carry the session id, sid. Default false.',
            },
            scopes: {
              type: 'array',
              items: { enum: ['openid', 'profile', 'email', 'phone', 'membership', 'offline_access'] },
            },
            grant_types: { type: 'array', items: { enum: ['authorization_code', 'refresh_token'] } },
            first_party: { type: 'boolean', description: 'The airline’s own app: no consent page' },
            min_acr: {
              enum: ['urn:jmb:acr:pwd', 'urn:jmb:acr:otp', 'urn:jmb:acr:passkey'],
              description: 'A level the app always requires',
            },
            access_token_ttl: { type: 'integer', description: 'Seconds, within the configured bounds' },
            refresh_token_ttl: { type: 'integer', description: 'Seconds, within the configured bounds' },
            id_token_signed_response_alg: { enum: ['RS256', 'ES256'] },
            admin_role: { enum: ['viewer', 'editor'], description: 'service clients only' },
          },
          additionalProperties: false,
        },
        Client: {
          type: 'object',
          properties: {
            client_id: { type: 'string' },
            name: { type: 'string' },
            kind: { enum: ['web', 'native', 'spa', 'service'] },
            token_endpoint_auth_method: { type: 'string' },
            redirect_uris: { type: 'array', items: { type: 'string' } },
            post_logout_redirect_uris: { type: 'array', items: { type: 'string' } },
            backchannel_logout_uri: { type: ['string', 'null'] },
            backchannel_logout_session_required: { type: 'boolean' },
            scopes: { type: 'array', items: { type: 'string' } },
            grant_types: { type: 'array', items: { type: 'string' } },
            first_party: { type: 'boolean' },
            min_acr: { type: ['string', 'null'] },
            access_token_ttl: { type: ['integer', 'null'] },
            refresh_token_ttl: { type: ['integer', 'null'] },
            id_token_signed_response_alg: { type: 'string' },
            jwks_uri: { type: ['string', 'null'] },
            admin_role: { type: ['string', 'null'] },
            disabled: { type: 'boolean' },
            dynamically_registered: { type: 'boolean' },
            created_at: { type: ['string', 'null'], format: 'date-time' },
          },
        },
        ClientWithSecret: {
          allOf: [
            ref('Client'),
            {
              type: 'object',
              properties: { client_secret: { type: 'string', description: 'Shown only in this response' } },
            },
          ],
        },
        Member: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            membership_number: { type: 'string' },
            family_name: { type: 'string' },
            given_name: { type: 'string' },
            email: { type: ['string', 'null'] },
            email_verified: { type: 'boolean' },
            phone: { type: ['string', 'null'], description: 'E.164' },
            phone_verified: { type: 'boolean' },
            country_of_residence: { type: 'string' },
            notification_channel: { enum: ['email', 'sms'] },
            locale: { enum: ['ja', 'en'] },
            status: { enum: ['active', 'locked'] },
            has_password: { type: 'boolean' },
            created_at: { type: 'string', format: 'date-time' },
            passkeys: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  name: { type: 'string' },
                  device_type: { enum: ['singleDevice', 'multiDevice'] },
                  backed_up: { type: 'boolean' },
                  transports: { type: 'array', items: { type: 'string' } },
                  created_at: { type: 'string', format: 'date-time' },
                  last_used_at: { type: ['string', 'null'], format: 'date-time' },
                  last_used_from: {
                    type: ['object', 'null'],
                    properties: { ip: { type: 'string' }, browser: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
        AuditEvent: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            at: { type: 'string', format: 'date-time' },
            type: {
              type: 'string',
              examples: ['login.password', 'login.passkey', 'otp.sent', 'passkey.registered', 'client.created'],
            },
            outcome: { enum: ['success', 'failure'] },
            memberId: { type: 'string' },
            clientId: { type: 'string' },
            actor: { type: 'string' },
            ip: { type: 'string' },
            userAgent: { type: 'string' },
            detail: { type: 'object', description: 'Non-secret detail; e-mail addresses and numbers masked' },
          },
        },
      },
    },
    paths: {
      '/clients': {
        get: {
          summary: 'List relying apps',
          security: read,
          responses: {
            '200': {
              description: 'The apps',
              ...json({ type: 'object', properties: { clients: { type: 'array', items: ref('Client') } } }),
            },
            ...errors,
          },
        },
        post: {
          summary: 'Register a relying app (the client secret is in this response only)',
          security: write,
          requestBody: { required: true, ...json(ref('ClientInput')) },
          responses: { '201': { description: 'Created', ...json(ref('ClientWithSecret')) }, ...errors },
        },
      },
      '/clients/{id}': {
        parameters: [id('id', 'client_id')],
        get: {
          summary: 'One relying app',
          security: read,
          responses: { '200': { description: 'The app', ...json(ref('Client')) }, ...errors, ...notFound },
        },
        patch: {
          summary: 'Change a relying app',
          security: write,
          requestBody: { required: true, ...json(ref('ClientInput')) },
          responses: { '200': { description: 'Changed', ...json(ref('Client')) }, ...errors, ...notFound },
        },
        delete: {
          summary: 'Delete a relying app and revoke its grants and tokens',
          security: write,
          responses: { '204': { description: 'Deleted' }, ...errors, ...notFound },
        },
      },
      '/clients/{id}/disable': action(
        'client_id',
        'Disable a relying app and revoke its grants and tokens',
        'Disabled',
        'Client',
      ),
      '/clients/{id}/enable': action('client_id', 'Enable a relying app again', 'Enabled', 'Client'),
      '/clients/{id}/secret': action(
        'client_id',
        'Rotate the client secret (the new one is in this response only)',
        'Rotated',
        'ClientWithSecret',
      ),
      '/initial-access-tokens': {
        post: {
          summary: 'Issue an initial access token for dynamic client registration (RFC 7591)',
          security: write,
          requestBody: {
            required: false,
            ...json({
              type: 'object',
              properties: { expires_in: { type: 'integer', minimum: 60, maximum: 2592000, default: 86400 } },
            }),
          },
          responses: {
            '201': {
              description: 'Issued (shown only in this response)',
              ...json({
                type: 'object',
                properties: {
                  initial_access_token: { type: 'string' },
                  expires_at: { type: 'string', format: 'date-time' },
                  registration_endpoint: { type: 'string' },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/members': {
        get: {
          summary: 'Find a member by membership number',
          security: read,
          parameters: [
            {
              name: 'membership_number',
              in: 'query',
              required: true,
              schema: { type: 'string', pattern: '^[0-9]{9}$' },
            },
          ],
          responses: {
            '200': {
              description: 'Zero or one member',
              ...json({ type: 'object', properties: { members: { type: 'array', items: ref('Member') } } }),
            },
            ...errors,
          },
        },
      },
      '/members/{id}': {
        parameters: [id('id', 'member id (the sub)')],
        get: {
          summary: 'One member, with passkeys',
          security: read,
          responses: { '200': { description: 'The member', ...json(ref('Member')) }, ...errors, ...notFound },
        },
      },
      '/members/{id}/lock': action('member id', 'Lock a member (and end their sessions)', 'Locked', 'Member'),
      '/members/{id}/unlock': action('member id', 'Unlock a member (and lift a login lockout)', 'Unlocked', 'Member'),
      '/members/{id}/sessions/revoke': {
        parameters: [id('id', 'member id')],
        post: {
          summary: 'End all of a member’s sessions and revoke their tokens',
          security: write,
          responses: {
            '200': { description: 'Ended', ...json({ type: 'object', properties: { sessions: { type: 'integer' } } }) },
            ...errors,
            ...notFound,
          },
        },
      },
      '/members/{id}/recovery-link': {
        parameters: [id('id', 'member id')],
        post: {
          summary:
            'Send the member a single-use link (24 hours) to set a new password, to their verified e-mail address',
          security: write,
          responses: {
            '200': {
              description: 'Sent',
              ...json({
                type: 'object',
                properties: { sent_to: { type: 'string', description: 'the address, masked' } },
              }),
            },
            '409': { description: 'The member has no verified e-mail address', ...json(ref('Error')) },
            ...errors,
            ...notFound,
          },
        },
      },
      '/members/{id}/passkeys/{credentialId}': {
        parameters: [id('id', 'member id'), id('credentialId', 'passkey credential id')],
        delete: {
          summary: 'Revoke a member’s passkey',
          security: write,
          responses: { '204': { description: 'Revoked' }, ...errors, ...notFound },
        },
      },
      '/members/{id}/contact': {
        parameters: [id('id', 'member id')],
        patch: {
          summary: 'Change the e-mail address or mobile number on the member’s behalf (the member is told)',
          security: write,
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              properties: { email: { type: 'string' }, phone: { type: 'string' } },
              additionalProperties: false,
            }),
          },
          responses: {
            '200': { description: 'Changed', ...json(ref('Member')) },
            '409': { description: 'Already registered to another member', ...json(ref('Error')) },
            ...errors,
            ...notFound,
          },
        },
      },
      '/audit': {
        get: {
          summary: 'The audit trail, newest first',
          security: read,
          parameters: [
            { name: 'member_id', in: 'query', schema: { type: 'string' } },
            { name: 'client_id', in: 'query', schema: { type: 'string' } },
            { name: 'type', in: 'query', schema: { type: 'string' } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            {
              name: 'before',
              in: 'query',
              schema: { type: 'string', format: 'date-time' },
              description: 'The next_before of the previous page',
            },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          ],
          responses: {
            '200': {
              description: 'Events',
              ...json({
                type: 'object',
                properties: {
                  events: { type: 'array', items: ref('AuditEvent') },
                  next_before: { type: ['string', 'null'] },
                },
              }),
            },
            ...errors,
          },
        },
      },
    },
  };
}

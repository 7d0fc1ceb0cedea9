/**
 * The benchmark's reference: oidc-provider 9 itself with the least around it — a mongoose adapter
 * (one collection per model, expiry checked on read), fixed accounts held in memory (loaded once
 * from MongoDB at start), and a login without pages or CSRF: POST a membership number and password
 * (verified with the product's own password hashing, so both sides pay the same hash), or a
 * discoverable passkey (@simplewebauthn/server; credentials and challenges in MongoDB, as a counter
 * must be kept). The grant is made at login. No rate limits, audit or lockouts: a floor, not a product.
 *
 * Runs on plain Node (type stripping), configured by the benchmark through the environment:
 * PORT, ISSUER, MONGODB_URI, JWKS, COOKIE_KEYS, BENCH_CLIENTS (client metadata, JSON),
 * BENCH_PASSWORD_MODULE (path of the compiled dist/src/members/password.js).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import mongoose, { Schema } from 'mongoose';
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const issuer = env('ISSUER');
const connection = await mongoose.createConnection(env('MONGODB_URI'), { autoIndex: false }).asPromise();
const { verifyPassword } = (await import(pathToFileURL(env('BENCH_PASSWORD_MODULE')).href)) as {
  verifyPassword(password: string, hash: string): Promise<boolean>;
};

interface Stored {
  _id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
}
const storedSchema = () =>
  new Schema<Stored>(
    { _id: String, payload: Schema.Types.Mixed, expiresAt: Date },
    { versionKey: false, minimize: false },
  );
const models = new Map<string, mongoose.Model<Stored>>();
function modelFor(name: string): mongoose.Model<Stored> {
  let model = models.get(name);
  if (!model) {
    const schema = storedSchema();
    if (name === 'Session') schema.index({ 'payload.uid': 1 }, { unique: true });
    model = connection.model<Stored>(name, schema, `oidc_${name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase()}`);
    models.set(name, model);
  }
  return model;
}

function adapter(name: string): Adapter {
  const model = modelFor(name);
  const live = (doc: Stored | null) =>
    doc && (!doc.expiresAt || doc.expiresAt.getTime() > Date.now()) ? doc.payload : undefined;
  return {
    async upsert(id, payload, expiresIn) {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : undefined;
      await model.updateOne({ _id: id }, { $set: { payload, ...(expiresAt ? { expiresAt } : {}) } }, { upsert: true });
    },
    find: async (id) => live(await model.findById(id).lean<Stored>()),
    findByUid: async (uid) => live(await model.findOne({ 'payload.uid': uid }).lean<Stored>()),
    findByUserCode: async (userCode) => live(await model.findOne({ 'payload.userCode': userCode }).lean<Stored>()),
    async consume(id) {
      await model.updateOne({ _id: id }, { $set: { 'payload.consumed': Math.floor(Date.now() / 1000) } });
    },
    async destroy(id) {
      await model.deleteOne({ _id: id });
    },
    async revokeByGrantId(grantId) {
      await model.deleteMany({ 'payload.grantId': grantId });
    },
  };
}

interface Account {
  _id: string;
  membershipNumber: string;
  passwordHash: string;
  claims: Record<string, unknown>;
}
const accounts = new Map((await connection.collection<Account>('accounts').find().toArray()).map((a) => [a._id, a]));
const byNumber = new Map([...accounts.values()].map((a) => [a.membershipNumber, a]));
interface Credential {
  _id: string;
  accountId: string;
  publicKey: Buffer;
  counter: number;
}
const Credentials = connection.model<Credential>(
  'Credential',
  new Schema<Credential>({ _id: String, accountId: String, publicKey: Buffer, counter: Number }),
);
const Challenges = connection.model('Challenge', new Schema({ _id: String, uid: String, expiresAt: Date }));
await modelFor('Session').createIndexes();

const configuration: Configuration = {
  adapter,
  jwks: JSON.parse(env('JWKS')) as Configuration['jwks'],
  cookies: {
    keys: env('COOKIE_KEYS').split(','),
    long: { httpOnly: true, sameSite: 'lax' },
    short: { httpOnly: true, sameSite: 'lax' },
  },
  findAccount: (_ctx, sub) => {
    const account = accounts.get(sub);
    return account ? { accountId: sub, claims: () => ({ sub, ...account.claims }) } : undefined;
  },
  claims: {
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    profile: ['name', 'family_name', 'given_name', 'locale'],
    email: ['email', 'email_verified'],
    phone: ['phone_number', 'phone_number_verified'],
    membership: ['membership_number'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'membership'],
  responseTypes: ['code'],
  clientDefaults: {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  features: {
    devInteractions: { enabled: false },
    // As the product: a client may only introspect or revoke its own tokens.
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    userinfo: { enabled: true },
    clientCredentials: { enabled: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 600,
    ClientCredentials: 600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 1209600,
    Grant: 31536000,
    RefreshToken: 2592000,
  },
};
const provider = new Provider(issuer, configuration);
provider.proxy = true;
for (const client of JSON.parse(env('BENCH_CLIENTS')) as Array<{ client_id: string }>)
  await adapter('Client').upsert(client.client_id, client, 0);

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').startsWith('application/json'))
    return JSON.parse(text || '{}') as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

/** Signs the account in and grants what the app asked for (no consent page). */
async function finishLogin(
  ctx: { req: IncomingMessage; res: ServerResponse },
  accountId: string,
  params: Record<string, unknown>,
  amr: string[],
): Promise<string> {
  const grant = new provider.Grant({ accountId, clientId: String(params.client_id) });
  grant.addOIDCScope(String(params.scope));
  const grantId = await grant.save();
  return provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId, amr }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/** Lean reads give BSON Binary for Buffer fields. */
const bytesOf = (value: unknown) =>
  new Uint8Array(value instanceof Uint8Array ? value : (value as { buffer: Uint8Array }).buffer);
const rpID = new URL(issuer).hostname;
const origin = new URL(issuer).origin;
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(\/login|\/passkey\/options|\/passkey\/verify)?$/.exec(ctx.path);
  if (!match) return next();
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const step = ctx.method === 'GET' ? 'page' : match[2];
  if (step === 'page') {
    ctx.type = 'html';
    ctx.body = `<!doctype html><form method="post" action="/interaction/${interaction.uid}/login"><input name="membershipNumber"><input name="password" type="password"><button>Sign in</button></form>`;
  } else if (step === '/login') {
    const body = await readBody(ctx.req);
    const account = byNumber.get(String(body.membershipNumber));
    if (!account || !(await verifyPassword(String(body.password ?? ''), account.passwordHash))) {
      ctx.status = 401;
      ctx.body = 'invalid membership number or password';
      return;
    }
    ctx.status = 303;
    ctx.redirect(await finishLogin(ctx, account._id, interaction.params, ['pwd']));
  } else if (step === '/passkey/options') {
    const options = await generateAuthenticationOptions({ rpID, allowCredentials: [], userVerification: 'required' });
    await Challenges.create({
      _id: options.challenge,
      uid: interaction.uid,
      expiresAt: new Date(Date.now() + 300_000),
    });
    ctx.body = options;
  } else {
    const response = (await readBody(ctx.req)).response as AuthenticationResponseJSON;
    const { challenge } = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as {
      challenge: string;
    };
    const stored = await Challenges.findOneAndDelete({ _id: challenge, uid: interaction.uid }).lean();
    const credential = stored ? await Credentials.findById(response.id).lean<Credential>() : null;
    const handle = Buffer.from(response.response.userHandle ?? '', 'base64url').toString('utf8');
    if (!credential || handle !== credential.accountId) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request' };
      return;
    }
    const { verified, authenticationInfo } = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { id: credential._id, publicKey: bytesOf(credential.publicKey), counter: credential.counter },
      requireUserVerification: true,
    });
    if (!verified) throw new Error('passkey not verified');
    await Credentials.updateOne(
      { _id: credential._id, counter: credential.counter },
      { $set: { counter: authenticationInfo.newCounter } },
    );
    ctx.body = { redirect: await finishLogin(ctx, credential.accountId, interaction.params, ['hwk', 'user', 'mfa']) };
  }
});

const server = createServer(provider.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(env('PORT')), '127.0.0.1', () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void connection.close().then(() => process.exit(0)));
});

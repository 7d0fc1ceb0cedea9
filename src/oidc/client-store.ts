import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { hashClientSecret } from '../clients/secrets.js';
import type { ClientStore } from '../clients/store.js';
import { isDuplicateKey } from '../db/errors.js';
import type { SharedCache } from '../db/shared-cache.js';
import { FieldError } from '../errors.js';
import type { Hmac } from '../security/hmac.js';
import { oidcModel } from './adapter.js';

/**
 * The clients module's store, on oidc-provider's own client collection: metadata is validated by
 * the provider exactly as it will be used, and secrets are kept only as keyed hashes.
 */
export function createClientStore(deps: {
  connection: Connection;
  provider: Provider;
  hmac: Hmac;
  cache: SharedCache;
}): ClientStore {
  const model = oidcModel(deps.connection, 'Client');

  async function validate(metadata: Record<string, unknown>): Promise<Record<string, unknown>> {
    const clean = Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined));
    try {
      // On a copy carrying a placeholder for a secret the provider only ever sees hashed.
      await deps.provider.Client.validate({
        ...clean,
        ...(clean.client_secret ? { client_secret: 'x'.repeat(43) } : {}),
      } as never);
    } catch (error) {
      const e = error as { error_description?: string; message: string };
      throw new FieldError('metadata', e.error_description ?? e.message);
    }
    return hashClientSecret(clean, deps.hmac);
  }

  return {
    async find(clientId) {
      const doc = await model.findById(clientId).lean();
      return doc ? (doc.payload as Record<string, unknown>) : null;
    },
    async list() {
      return (await model.find().lean()).map((doc) => doc.payload as Record<string, unknown>);
    },
    async save(metadata, { create }) {
      const payload = await validate(metadata);
      const id = String(payload.client_id);
      if (!create) {
        await model.updateOne({ _id: id }, { $set: { payload }, $unset: { expiresAt: 1 } }, { upsert: true });
        await deps.cache.changed();
        return true;
      }
      try {
        await model.create({ _id: id, payload });
        await deps.cache.changed();
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
    async setDisabled(clientId, disabled) {
      await model.updateOne({ _id: clientId }, { $set: { 'payload.disabled': disabled } });
      await deps.cache.changed();
    },
    async remove(clientId) {
      await model.deleteOne({ _id: clientId });
      await deps.cache.changed();
    },
  };
}

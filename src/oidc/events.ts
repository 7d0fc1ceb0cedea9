import type Provider from 'oidc-provider';
import type { AuditEventType } from '../audit/events.js';
import type { AuditLibrary } from '../audit/library.js';
import type { Logger } from '../log.js';
import type { ProviderRecords } from './records.js';

/**
 * What oidc-provider does on its own that belongs in the audit trail or the log: dynamic
 * registrations (RFC 7591/7592; a deleted registration's grants and tokens are revoked too). Its
 * server errors are logged by providerOutages (http/provider-outages.ts).
 */
export function watchProvider(
  provider: Provider,
  deps: { audit: AuditLibrary; logger: Logger; records: ProviderRecords },
): void {
  const { audit, logger, records } = deps;
  const record = (type: AuditEventType, clientId: string, name?: unknown) =>
    void audit.record({
      type,
      outcome: 'success',
      clientId,
      actor: 'dynamic-registration',
      detail: name ? { name: String(name) } : undefined,
    });
  provider.on('registration_create.success', (_ctx, client) =>
    record('client.created', client.clientId, client.clientName),
  );
  provider.on('registration_update.success', (_ctx, client) =>
    record('client.changed', client.clientId, client.clientName),
  );
  provider.on('registration_delete.success', (_ctx, client) => {
    record('client.deleted', client.clientId);
    records
      .revokeClient(client.clientId)
      .catch((error: unknown) => logger.error({ err: error }, 'could not revoke a deleted client’s tokens'));
  });
}

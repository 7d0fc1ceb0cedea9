import type Router from '@koa/router';
import type { AppContext } from '../../context.js';
import { formatJst } from '../../i18n/index.js';
import type { ConsoleKit } from './kit.js';

/**
 * The audit trail with filters (member, client, event type, time range), newest first, paged.
 * Times are entered and shown in Japan time (JST), the airline's operating time zone.
 */
const jst = (local: string | undefined) =>
  local && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? `${local}:00+09:00` : undefined;

export function registerAuditPages(router: Router, _app: AppContext, kit: ConsoleKit): void {
  router.get(
    '/admin/audit',
    kit.page(async (ctx, visit) => {
      const q = ctx.query as Record<string, string | undefined>;
      const filters = {
        member_id: q.member_id?.trim() || undefined,
        client_id: q.client_id?.trim() || undefined,
        type: q.type?.trim() || undefined,
        from: q.from,
        to: q.to,
      };
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({
        member_id: filters.member_id,
        client_id: filters.client_id,
        type: filters.type,
        from: jst(filters.from),
        to: jst(filters.to),
        before: q.before,
      })) {
        if (value) params.set(key, value);
      }
      params.set('limit', '50');
      const result = await visit.api('GET', `/audit?${params.toString()}`);
      const formatTime = (iso: string) =>
        formatJst(ctx.state.locale, new Date(iso), { dateStyle: 'medium', timeStyle: 'medium' });
      const next = new URLSearchParams(
        Object.entries({ ...filters, before: result.data.next_before }).filter(([, v]) => v) as Array<[string, string]>,
      );
      await kit.render(
        ctx,
        visit,
        'audit',
        {
          filters,
          events: result.status === 200 ? result.data.events : [],
          error: result.status === 200 ? undefined : String(result.data.error_description),
          formatTime,
          nextUrl: result.data.next_before ? `/admin/audit?${next.toString()}` : undefined,
        },
        result.status === 200 ? 200 : 400,
      );
    }),
  );
}

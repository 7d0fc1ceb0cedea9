import { describe, expect, it } from '@jest/globals';
import { importsOf, readSources, srcRoot, violations } from './imports.js';

/** The layering of ARCHITECTURE.md holds in src/, and the checker catches each kind of breach. */
describe('the import rules', () => {
  it('hold for the source tree', () => {
    expect(violations(readSources(srcRoot))).toEqual([]);
  });

  it('refuse a domain module importing the web layer or the admin feature', () => {
    const wrong = importsOf(
      'members/library.ts',
      "import { renderPage } from '../http/render.js';\nimport { createMemberActions } from '../admin/member-actions.js';",
    );
    expect(violations(wrong)).toEqual([
      'members/library.ts → http/render.ts: domain may not import web',
      'members/library.ts → admin/member-actions.ts: domain may not import features',
    ]);
  });

  it('refuse a route reaching another module’s model, but allow its types and constants', () => {
    const wrong = importsOf('account/email.ts', "import { createMemberModel } from '../members/model.js';");
    expect(violations(wrong)).toEqual([
      'account/email.ts → members/model.ts: only members/ and the composition root use its model (createMemberModel)',
    ]);
    const fine = importsOf(
      'account/notification.ts',
      "import { NOTIFICATION_CHANNELS, type NotificationChannel } from '../members/model.js';\nimport type { Member } from '../members/model.js';",
    );
    expect(violations(fine)).toEqual([]);
    expect(violations(importsOf('clients/library.ts', "import { oidcModel } from '../oidc/adapter.js';"))).toContain(
      "clients/library.ts: only oidc/ reaches the provider's collections (oidcModel)",
    );
  });

  it('refuse import cycles, type-only ones too', () => {
    const cycle = [
      ...importsOf('admin/console/index.ts', "import { registerClientPages } from './clients.js';"),
      ...importsOf('admin/console/clients.ts', "import type { ConsoleKit } from './index.js';"),
    ];
    expect(violations(cycle)).toEqual(['import cycle: admin/console/index.ts → admin/console/clients.ts']);
  });

  it('refuse a module that is in no layer', () => {
    expect(violations(importsOf('reports/daily.ts', "import { createLogger } from '../log.js';"))).toEqual([
      'reports/daily.ts: its module is in no layer (add it to LAYERS and ARCHITECTURE.md)',
    ]);
  });
});

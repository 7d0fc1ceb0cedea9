// My account → Passkeys: tell the password manager which passkeys are still valid (and which one
// was just deleted), so it stops offering removed ones.
import { sendSignals } from './webauthn-common.js';

const root = document.querySelector('[data-passkey-signals]');
if (root) {
  const signals = JSON.parse(root.dataset.passkeySignals || 'null');
  sendSignals(signals, root.dataset.removed || undefined).finally(() => {
    root.dataset.signalled = 'true';
  });
}

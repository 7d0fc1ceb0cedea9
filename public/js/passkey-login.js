// Passkey sign-in: membership number + passkey, a discoverable passkey, a phone's passkey through
// the 2D barcode (hints: ['hybrid']), and autofill on the membership-number field.
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
} from '/static/vendor/simplewebauthn/index.js';
import { postJson, sendSignals, show, signalUnknown } from './webauthn-common.js';

const root = document.querySelector('[data-passkey-login]');
if (root) init(root);

async function init(root) {
  const { optionsUrl, verifyUrl, csrf, msgCancelled, msgFailed, autofillOnly } = root.dataset;
  const error = root.querySelector('[data-passkey-error]');
  const number = root.querySelector('input[name="membershipNumber"]');
  const controls = root.querySelectorAll('[data-passkey-control]');

  if (!browserSupportsWebAuthn()) {
    const unsupported = root.querySelector('[data-passkey-unsupported]');
    if (unsupported && !autofillOnly) unsupported.hidden = false;
    return;
  }
  for (const control of controls) control.hidden = false;
  root.dataset.ready = 'true';

  async function run(request, useBrowserAutofill = false) {
    if (!useBrowserAutofill) show(error, '');
    const options = await postJson(optionsUrl, request, csrf);
    if (!options.ok) {
      if (!useBrowserAutofill) show(error, options.data.error_description || msgFailed);
      return;
    }
    let assertion;
    try {
      assertion = await startAuthentication({ optionsJSON: options.data, useBrowserAutofill });
    } catch (e) {
      // A newer ceremony (a button) aborts the autofill one: nothing to tell the member.
      if (e && (e.name === 'AbortError' || e.code === 'ERROR_CEREMONY_ABORTED')) return;
      show(error, msgCancelled);
      return;
    }
    const result = await postJson(verifyUrl, { response: assertion }, csrf);
    if (!result.ok) {
      show(error, result.data.error_description || msgFailed);
      // A passkey the server no longer knows (deleted elsewhere): ask the password manager to drop it.
      if (result.data.unknown_credential && result.data.rp_id)
        await signalUnknown(result.data.rp_id, result.data.unknown_credential);
      root.dataset.failed = String(Number(root.dataset.failed || 0) + 1);
      return;
    }
    await sendSignals(result.data.signals);
    window.location.assign(result.data.redirect);
  }

  if (root.querySelector('input[autocomplete$="webauthn"]') && (await browserSupportsWebAuthnAutofill()))
    run({ mode: 'autofill' }, true);
  if (autofillOnly) return;

  root.querySelector('[data-passkey-form]')?.addEventListener('submit', (event) => {
    event.preventDefault();
    run({ mode: 'number', membershipNumber: number ? number.value : '' });
  });
  root.querySelector('[data-passkey-hybrid]')?.addEventListener('click', () => {
    run({ mode: 'hybrid', membershipNumber: number?.value ? number.value : undefined });
  });
  root.querySelector('[data-passkey-discoverable]')?.addEventListener('click', () => run({ mode: 'discoverable' }));
}

// Creating a passkey (My account, or after a cross-device sign-in): resident key and user
// verification required; the browser may offer a phone through the 2D barcode.
import { browserSupportsWebAuthn, startRegistration } from '/static/vendor/simplewebauthn/index.js';
import { postJson, sendSignals, show } from './webauthn-common.js';

const root = document.querySelector('[data-passkey-register]');
if (root) init(root);

function init(root) {
  const { optionsUrl, verifyUrl, csrf, msgFailed, msgExists, msgCancelled } = root.dataset;
  const error = root.querySelector('[data-passkey-error]');
  const button = root.querySelector('[data-passkey-create]');
  if (!browserSupportsWebAuthn()) {
    root.querySelector('[data-passkey-unsupported]').hidden = false;
    return;
  }
  button.hidden = false;
  root.dataset.ready = 'true';
  button.addEventListener('click', async () => {
    show(error, '');
    button.disabled = true;
    try {
      const options = await postJson(optionsUrl, {}, csrf);
      if (!options.ok) {
        if (options.data.redirect) return window.location.assign(options.data.redirect);
        return show(error, options.data.error_description || msgFailed);
      }
      let attestation;
      try {
        attestation = await startRegistration({ optionsJSON: options.data });
      } catch (e) {
        return show(error, e && e.name === 'InvalidStateError' ? msgExists : msgCancelled);
      }
      const result = await postJson(verifyUrl, { response: attestation }, csrf);
      if (!result.ok) return show(error, result.data.error_description || msgFailed);
      await sendSignals(result.data.signals);
      window.location.assign(result.data.redirect);
    } finally {
      button.disabled = false;
    }
  });
}

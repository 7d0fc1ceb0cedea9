// Shared by the passkey pages. Served as an ES module from /static/js (CSP: script-src 'self').
import { getBrowserCapabilities, sendSignal } from '/static/vendor/simplewebauthn/index.js';

/** POSTs JSON with the page's CSRF token; never throws for an HTTP error. */
export async function postJson(url, body, csrf) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        // Errors in the page's own language (it may be the relying app's ui_locales).
        'accept-language': document.documentElement.lang || navigator.language,
        'x-csrf-token': csrf,
      },
      body: JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, data: {} };
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    // not JSON: keep the empty object
  }
  return { ok: response.ok, status: response.status, data };
}

export function show(element, text) {
  if (!element) return;
  element.textContent = text || '';
  element.hidden = !text;
}

/** Sends one Signal API message if the browser supports it; a refusal changes nothing. */
async function attempt(wanted, options) {
  let capabilities = {};
  try {
    capabilities = await getBrowserCapabilities();
  } catch {
    return;
  }
  if (capabilities[wanted] !== 'supported') return;
  try {
    await sendSignal(options);
  } catch {
    // a refused signal changes nothing for the member
  }
}

export async function signalUnknown(rpID, credentialID) {
  await attempt('signalUnknownCredential', { signalName: 'unknownCredential', rpID, credentialID });
}

/**
 * Keeps the member's password manager in step with the server (WebAuthn Signal API, through
 * @simplewebauthn/browser): the credentials still accepted, the current name, and a removed one.
 * Browsers without the API are simply skipped.
 */
export async function sendSignals(signals, removedCredentialId) {
  if (!signals) return;
  if (removedCredentialId) await signalUnknown(signals.rpID, removedCredentialId);
  await attempt('signalAllAcceptedCredentials', {
    signalName: 'allAcceptedCredentials',
    rpID: signals.rpID,
    userID: signals.userID,
    allAcceptedCredentialIDs: signals.allAcceptedCredentialIDs,
  });
  await attempt('signalCurrentUserDetails', {
    signalName: 'currentUserDetails',
    rpID: signals.rpID,
    userID: signals.userID,
    userName: signals.userName,
    userDisplayName: signals.userDisplayName,
  });
}

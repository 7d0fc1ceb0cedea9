/**
 * English messages of the security centre in My account (signed-in browsers, connected apps,
 * security activity, sign-in notices), merged into en.ts.
 */
export const securityEn = {
  'account.action.security': 'Security: signed-in browsers, connected apps and recent activity',
  'security.title': 'Security',
  'security.intro':
    'Where you are signed in, which apps use your membership, and what happened to your account recently.',
  'security.browser.on': '{browser} on {os}',
  'security.browser.unknown': 'Unknown browser',
  'security.method.pwd': 'password',
  'security.method.passkey': 'passkey',
  'security.method.otp': 'one-time password',
  'security.method.unknown': 'method not recorded',

  'security.sessions.heading': 'Signed-in browsers and devices',
  'security.sessions.note':
    'Places are shown as IP addresses: this service does not look up where an address is. Your provider or a mobile network may show an address far from you.',
  'security.sessions.current': 'This browser',
  'security.sessions.signedIn': 'Signed in {date} JST with {method}',
  'security.sessions.lastSeen': 'Last active {date} JST',
  'security.sessions.ip': 'IP address {ip}',
  'security.sessions.signOut': 'Sign out',
  'security.sessions.none': 'No browser is signed in.',
  'security.sessions.everywhere': 'Sign out everywhere',
  'security.sessions.everywhereNote':
    'Signs out every browser and device, this one included, and ends the access of every app: each will ask you to sign in again.',
  'security.signOut.title': 'Sign out this browser?',
  'security.signOut.body':
    '{browser}, signed in {date} JST, will be signed out. Apps used in that browser are told to sign you out.',
  'security.signOut.current': 'This is the browser you are using now: you will be signed out of My account too.',
  'security.everywhere.title': 'Sign out everywhere?',
  'security.everywhere.body':
    'Every browser and device signed in to your membership, this one included, will be signed out, and every app’s access ends. Apps will ask you to sign in again, and apps you allowed will ask for your permission again.',
  'security.signedOut': 'The browser was signed out.',

  'security.sessionGone': 'That browser is no longer signed in.',
  'security.appGone': 'That app no longer has access to your membership.',

  'security.apps.heading': 'Connected apps',
  'security.apps.intro':
    'Apps you allowed to use your membership. Removing an app’s access signs you out of it and ends its access to your information; it will ask you to sign in again.',
  'security.apps.none': 'No app has access to your membership.',
  'security.apps.since': 'Allowed since {date}',
  'security.apps.remove': 'Remove access',
  'security.remove.title': 'Remove the access of {app}?',
  'security.remove.body':
    '{app} will no longer be able to use your membership information, and you will be signed out of it. You can allow it again by signing in to it.',
  'security.appRemoved': 'The app’s access was removed.',

  'security.notices.heading': 'Sign-in notices',
  'security.notices.on':
    'When your membership is signed in to from a browser not used before, we send an e-mail to your registered address.',
  'security.notices.off': 'E-mails about sign-ins from browsers not used before are turned off.',
  'security.notices.noEmail': 'You have no verified e-mail address, so no notice can be sent.',
  'security.notices.turnOff': 'Turn off sign-in notices',
  'security.notices.turnOn': 'Turn on sign-in notices',
  'security.notices.turnedOn': 'Sign-in notices are on.',
  'security.notices.turnedOff': 'Sign-in notices are off.',

  'security.events.heading': 'Recent security activity (last 90 days)',
  'security.events.none': 'Nothing happened in the last 90 days.',
  'security.events.time': 'Time (JST)',
  'security.events.what': 'Activity',
  'security.events.details': 'Details',
  'security.events.older': 'Older activity',
  'security.events.latest': 'Latest activity',
  'security.events.byStaff': 'by the JAL Mileage Bank Center',
  'security.event.loginPassword': 'Signed in with membership number and password',
  'security.event.loginPasswordFailed': 'Unsuccessful sign-in with a password',
  'security.event.loginPasskey': 'Signed in with a passkey',
  'security.event.loginPasskeyFailed': 'Unsuccessful sign-in with a passkey',
  'security.event.lockedOut': 'Sign-in paused after too many unsuccessful attempts',
  'security.event.newBrowser': 'Signed in from a browser not used before',
  'security.event.codeSent': 'One-time password sent',
  'security.event.codeRefused': 'One-time password not sent: too many requests',
  'security.event.codeVerified': 'One-time password entered',
  'security.event.codeFailed': 'Wrong one-time password entered',
  'security.event.codeExhausted': 'One-time password blocked after too many wrong entries',
  'security.event.passkeyAdded': 'Passkey added',
  'security.event.passkeyRenamed': 'Passkey renamed',
  'security.event.passkeyRemoved': 'Passkey deleted',
  'security.event.emailChanged': 'E-mail address changed',
  'security.event.phoneChanged': 'Mobile phone number changed',
  'security.event.notificationChanged': 'One-time password destination changed',
  'security.event.resetRequested': 'Forgotten password: a password reset was started',
  'security.event.passwordReset': 'Password reset',
  'security.event.recoveryLinkSent': 'A link to set a password was sent',
  'security.event.locked': 'Membership locked',
  'security.event.unlocked': 'Membership unlocked',
  'security.event.sessionEnded': 'A browser was signed out',
  'security.event.signedOutEverywhere': 'Signed out everywhere',
  'security.event.appRemoved': 'An app’s access was removed',
  'security.event.noticesOn': 'Sign-in notices turned on',
  'security.event.noticesOff': 'Sign-in notices turned off',

  'notice.newBrowser.subject': 'New sign-in to your JMB membership',
  'notice.newBrowser.body':
    'Dear {name},\n\nYour JMB membership was signed in to from a browser not used before.\n\n    When: {time}\n    Browser: {browser}\n    IP address: {ip}\n\nIf this was you, there is nothing to do. If it was not, change your password at once, and sign out everywhere in My account → Security:\n{url}\n\nYou can turn these notices off on the same page.\n\nThis is a send-only address; please do not reply.\nJMB Member Login',
} as const;

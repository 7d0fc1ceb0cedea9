/**
 * English messages. This file defines the keys: ja.ts must provide every one of them (the type
 * checker enforces it). Placeholders are {name}.
 */
export const en = {
  'app.name': 'JMB Member Login',
  'app.tagline': 'JAL Mileage Bank member sign-in',
  'lang.label': 'Language',
  'lang.ja': '日本語',
  'lang.en': 'English',
  'common.back': 'Back',
  'common.home': 'Return to the top page',
  'common.cancel': 'Cancel',
  'common.continue': 'Continue',
  'common.skipToContent': 'Skip to content',

  'login.title': 'Member login',
  'login.intro': 'Sign in to {client} with your JMB membership number.',
  'login.membershipNumber': 'JMB membership number',
  'login.membershipNumber.hint': '9 digits, as printed on your card',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.cancel': 'Cancel and return to {client}',
  'login.error.invalid': 'The membership number or password is incorrect.',
  'login.error.lockedOut': 'Too many unsuccessful attempts. For your security, login with this membership number is paused for {minutes} minutes. Please try again later.',
  'login.error.tooManyFromHere': 'Too many login attempts from your network. Please wait a while and try again.',
  'login.error.accountLocked': 'This membership account is locked. Please contact the JAL Mileage Bank Center.',
  'login.error.numberFormat': 'Enter your 9-digit JMB membership number (digits only).',
  'login.error.numberCheckDigit': 'This is not a valid JMB membership number. Please check the number on your card.',
  'login.error.passwordRequired': 'Enter your password.',

  'consent.title': 'Allow access',
  'consent.intro': '{client} would like to access the following information about you.',
  'consent.allow': 'Allow',
  'consent.deny': 'Do not allow',
  'consent.signedInAs': 'Signed in as member {number}',
  'consent.scope.openid': 'Your member identifier',
  'consent.scope.profile': 'Your name and preferred language',
  'consent.scope.email': 'Your e-mail address',
  'consent.scope.phone': 'Your mobile phone number',
  'consent.scope.membership': 'Your JMB membership number',
  'consent.scope.offline_access': 'Keep you signed in to this app',

  'logout.title': 'Log out',
  'logout.confirm': 'Do you want to log out of JMB Member Login?',
  'logout.confirmClient': 'Do you want to log out of JMB Member Login, which you used to sign in to {client}?',
  'logout.yes': 'Log out',
  'logout.no': 'Stay logged in',
  'logout.done.title': 'You have logged out',
  'logout.done.body': 'You have been logged out. You may now close this window.',

  'email.malformed': 'Enter a valid e-mail address, such as name@example.co.jp.',
  'email.periodAtEdge': 'The part before the @ must not start with a period (.), and must not end with a period just before the @.',
  'email.consecutivePeriods': 'The part before the @ must not contain consecutive periods (..).',
  'email.forbiddenCharacters': "The part before the @ may only contain letters, digits and the symbols . ! # $ % & ' * + - / = ? ^ _ { | } ~",
  'phone.invalid': 'Enter a valid mobile phone number, such as 090-1234-5678 (outside Japan, start with + and the country code).',
  'phone.notMobile': 'This is not a mobile phone number. Text messages (SMS) can only be sent to a mobile phone.',

  'home.title': 'JMB Member Login',
  'home.body': 'This service signs JAL Mileage Bank members in to JAL web sites and apps.',

  'error.title': 'Something went wrong',
  'error.generic': 'Sorry, an unexpected error occurred. Please try again later.',
  'error.notFound': 'The page you requested could not be found.',
  'error.badRequest': 'The request could not be processed. Please check what you entered and try again.',
  'error.tooLarge': 'What you sent is too large.',
  'error.csrf': 'This form has expired or was not sent from this site. Please go back, reload the page and try again.',
  'error.interactionExpired': 'Your login session has expired or is no longer valid. Please go back to the app or web site you came from and start again.',
  'error.rateLimited': 'Too many requests. Please wait a while and try again.',
  'error.oauth': 'The application sent an invalid sign-in request ({code}). Please go back and try again; if the problem persists, contact the application’s support.',
  'error.reference': 'Reference: {id}',
} as const;

export type MessageKey = keyof typeof en;

import type { securityEn } from './security.en.js';

/** マイアカウントの「セキュリティ」ページのメッセージ（ja.ts に取り込まれます）。 */
export const securityJa: Record<keyof typeof securityEn, string> = {
  'account.action.security': 'セキュリティ（ログイン中のブラウザ・連携アプリ・最近の操作）',
  'security.title': 'セキュリティ',
  'security.intro': 'ログイン中のブラウザや端末、会員情報を利用しているアプリ、最近のアカウントの操作を確認できます。',
  'security.browser.on': '{os} の {browser}',
  'security.browser.unknown': '不明なブラウザ',
  'security.method.pwd': 'パスワード',
  'security.method.passkey': 'パスキー',
  'security.method.otp': 'ワンタイムパスワード',
  'security.method.unknown': 'ログイン方法の記録なし',

  'security.sessions.heading': 'ログイン中のブラウザと端末',
  'security.sessions.note':
    '場所はIPアドレスで表示します（このサービスはIPアドレスから地域を調べません）。プロバイダーや携帯電話回線によっては、実際とは離れた地域のアドレスになることがあります。',
  'security.sessions.current': 'このブラウザ',
  'security.sessions.signedIn': '{date}（日本時間）に{method}でログイン',
  'security.sessions.lastSeen': '最終利用 {date}（日本時間）',
  'security.sessions.ip': 'IPアドレス {ip}',
  'security.sessions.signOut': 'ログアウト',
  'security.sessions.none': 'ログイン中のブラウザはありません。',
  'security.sessions.everywhere': 'すべての端末からログアウト',
  'security.sessions.everywhereNote':
    'このブラウザを含むすべてのブラウザ・端末からログアウトし、すべてのアプリの利用を終了します。各アプリで再度ログインが必要になります。',
  'security.signOut.title': 'このブラウザをログアウトしますか？',
  'security.signOut.body':
    '{date}（日本時間）にログインした{browser}をログアウトします。そのブラウザで利用していたアプリにもログアウトを通知します。',
  'security.signOut.current': '現在お使いのブラウザです。マイアカウントからもログアウトします。',
  'security.everywhere.title': 'すべての端末からログアウトしますか？',
  'security.everywhere.body':
    'このブラウザを含め、会員番号でログインしているすべてのブラウザ・端末からログアウトし、すべてのアプリの利用を終了します。各アプリで再度ログインが必要になり、許可したアプリでは再度許可を求められます。',
  'security.signedOut': 'ブラウザをログアウトしました。',

  'security.sessionGone': 'そのブラウザはすでにログアウトしています。',
  'security.appGone': 'そのアプリはすでに会員情報を利用できません。',

  'security.apps.heading': '連携アプリ',
  'security.apps.intro':
    '会員情報の利用を許可したアプリです。アクセスを解除すると、そのアプリからログアウトし、会員情報を利用できなくなります。次回アプリを使うときに再度ログインが必要です。',
  'security.apps.none': '会員情報を利用しているアプリはありません。',
  'security.apps.since': '{date}から許可',
  'security.apps.remove': 'アクセスを解除',
  'security.remove.title': '{app}のアクセスを解除しますか？',
  'security.remove.body':
    '{app}は会員情報を利用できなくなり、このアプリからログアウトします。アプリに再度ログインすると、あらためて許可できます。',
  'security.appRemoved': 'アプリのアクセスを解除しました。',

  'security.notices.heading': 'ログインのお知らせ',
  'security.notices.on':
    'これまで使われていないブラウザでログインがあったとき、登録メールアドレスにお知らせを送ります。',
  'security.notices.off': '新しいブラウザからのログインのお知らせメールは停止しています。',
  'security.notices.noEmail': '確認済みのメールアドレスが登録されていないため、お知らせを送れません。',
  'security.notices.turnOff': 'ログインのお知らせを停止する',
  'security.notices.turnOn': 'ログインのお知らせを受け取る',
  'security.notices.turnedOn': 'ログインのお知らせを受け取るよう設定しました。',
  'security.notices.turnedOff': 'ログインのお知らせを停止しました。',

  'security.events.heading': '最近のセキュリティに関する操作（過去90日間）',
  'security.events.none': '過去90日間の操作はありません。',
  'security.events.time': '日時（日本時間）',
  'security.events.what': '操作',
  'security.events.details': '詳細',
  'security.events.older': 'さらに前の操作',
  'security.events.latest': '最新の操作',
  'security.events.byStaff': 'JALマイレージバンクセンターによる操作',
  'security.event.loginPassword': '会員番号とパスワードでログイン',
  'security.event.loginPasswordFailed': 'パスワードによるログインに失敗',
  'security.event.loginPasskey': 'パスキーでログイン',
  'security.event.loginPasskeyFailed': 'パスキーによるログインに失敗',
  'security.event.lockedOut': 'ログイン失敗が続いたため、ログインを一時停止',
  'security.event.newBrowser': 'これまで使われていないブラウザでログイン',
  'security.event.codeSent': 'ワンタイムパスワードを送信',
  'security.event.codeRefused': '送信回数の上限のため、ワンタイムパスワードを送信せず',
  'security.event.codeVerified': 'ワンタイムパスワードを入力',
  'security.event.codeFailed': '誤ったワンタイムパスワードを入力',
  'security.event.codeExhausted': '入力の誤りが続いたため、ワンタイムパスワードを無効化',
  'security.event.passkeyAdded': 'パスキーを登録',
  'security.event.passkeyRenamed': 'パスキーの名前を変更',
  'security.event.passkeyRemoved': 'パスキーを削除',
  'security.event.emailChanged': 'メールアドレスを変更',
  'security.event.phoneChanged': '携帯電話番号を変更',
  'security.event.notificationChanged': 'ワンタイムパスワードの通知先を変更',
  'security.event.resetRequested': 'パスワードの再設定を開始（パスワードを忘れた場合）',
  'security.event.passwordReset': 'パスワードを再設定',
  'security.event.recoveryLinkSent': 'パスワード設定用のリンクを送信',
  'security.event.locked': '会員アカウントをロック',
  'security.event.unlocked': '会員アカウントのロックを解除',
  'security.event.sessionEnded': 'ブラウザをログアウト',
  'security.event.signedOutEverywhere': 'すべての端末からログアウト',
  'security.event.appRemoved': 'アプリのアクセスを解除',
  'security.event.noticesOn': 'ログインのお知らせを開始',
  'security.event.noticesOff': 'ログインのお知らせを停止',

  'notice.newBrowser.subject': '【JMB】新しいブラウザからのログインのお知らせ',
  'notice.newBrowser.body':
    '{name} 様\n\nこれまで使われていないブラウザで、JMB会員番号へのログインがありました。\n\n    日時：{time}\n    ブラウザ：{browser}\n    IPアドレス：{ip}\n\nお客さまご本人によるログインであれば、対応は不要です。お心当たりがない場合は、すぐにパスワードを変更し、マイアカウントの「セキュリティ」ですべての端末からログアウトしてください。\n{url}\n\nこのお知らせは同じページで停止できます。\n\nこのメールは送信専用です。ご返信いただいてもお答えできません。\nJMB会員ログイン',
};

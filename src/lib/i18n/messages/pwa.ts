import type { EnTable } from '../table.ts'

/** Strings of the 'pwa' area (keys are used as `t('pwa.<key>')`): updates, installing, notifications. */
export const en = {
  updateReady: 'A new version of Parley is ready.',
  reload: 'Reload',
  later: 'Later',
  installOffer: 'Install Parley to open it like an app, from your home screen.',
  install: 'Install app',
  notNow: 'Not now',
  notifyOffer: 'Get notified of new messages',
  notifyOfferHelp: 'While Parley is open in the background, it can tell you when a message or a contact request arrives.',
  turnOn: 'Turn on',
  notificationsBlocked: 'Notifications are blocked for this site. Allow them in the browser’s site settings, then try again.',
  notificationsUnsupported: 'This browser cannot show notifications.',
  sentFile: 'Sent a file',
  requestTitle: 'New contact request',
  requestBody: '{name} wants to chat with you',
  unread: { one: '{count} unread message', other: '{count} unread messages' }
} as const satisfies EnTable

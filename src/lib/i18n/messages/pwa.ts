import type { EnTable } from '../table.ts'

/** Strings of the 'pwa' area (keys are used as `t('pwa.<key>')`): updates, installing, notifications. */
export const en = {
  updateReady: 'A new version of Parley is ready.',
  reload: 'Reload',
  later: 'Later',
  installOffer: 'Install Parley to open it like an app, from your home screen.',
  install: 'Install app',
  notNow: 'Not now',
  installHeading: 'App',
  installHelp: 'Install Parley on this device to open it from your home screen or app list.',
  installed: 'Parley is installed on this device.',
  installUnavailable: 'This browser does not offer to install Parley here. Use its menu (for example “Add to Home screen”) if it has one.',
  notifyOffer: 'Get notified of new messages',
  notifyOfferHelp: 'While Parley is open in the background, it can tell you when a message or a contact request arrives.',
  turnOn: 'Turn on',
  notificationsHeading: 'Notifications',
  notificationsToggle: 'Show notifications for new messages and contact requests',
  notificationsHelp: 'Shown while Parley is open but not on screen.',
  notificationsBlocked: 'Notifications are blocked for this site. Allow them in the browser’s site settings, then try again.',
  notificationsUnsupported: 'This browser cannot show notifications.',
  sentFile: 'Sent a file',
  requestTitle: 'New contact request',
  requestBody: '{name} wants to chat with you',
  unread: { one: '{count} unread message', other: '{count} unread messages' }
} as const satisfies EnTable

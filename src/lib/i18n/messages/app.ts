import type { EnTable } from '../table.ts'

/**
 * Strings of the 'app' area (keys are used as `t('app.<key>')`): the app
 * shell (App.svelte), its header (AppHeader.svelte) and navigation
 * (AppNav.svelte), and the links that lead to My invite (from Add contact)
 * and Network (from Settings).
 */
export const en = {
  couldNotStart: 'Parley could not start: {error}',
  /** the button under why this tab's node does not run (another one writes the data) */
  reload: 'Reload',
  notFoundTitle: 'Page not found',
  notFoundText: 'There is nothing at this address.',
  backToChats: 'Back to chats',
  connectionStatus: 'Connection status',
  online: 'online',
  offline: 'offline',
  connecting: 'connecting',
  navLabel: 'Main',
  navChats: 'Chats',
  /** the Chats link's name while messages or requests wait (the link shows the number) */
  navChatsWaiting: { one: 'Chats, {count} new', other: 'Chats, {count} new' },
  navAdd: 'Add contact',
  navInvite: 'My invite',
  navNetwork: 'Network',
  navSettings: 'Settings',
  /** the Add tab's label under its icon (its name for screen readers is navAdd) */
  tabAdd: 'Add',
  /** a desktop's right pane while no chat is open */
  chooseChat: 'Choose a chat',
  chooseChatHint: 'Pick someone from the list to read and write to them.',
  /** Add contact: under the link to My invite */
  inviteWhat: 'Your QR code and link, for others to add you',
  /** Settings: under the link to Network */
  networkWhat: 'Relays, your addresses, connections',
  /** a linked device its account removed (ui/DeviceRemoved.svelte), under "This device was removed from …'s Parley" */
  removedHint: 'It no longer gets messages, and sends none. The chats and history it holds stay here until you erase them.',
  eraseDevice: 'Erase this device',
  eraseConfirm: 'Erase everything Parley keeps on this device: chats, contacts, history and keys? This cannot be undone. Then you can start anew or link this device again.',
  eraseYes: 'Erase',
  eraseCancel: 'Cancel'
} as const satisfies EnTable

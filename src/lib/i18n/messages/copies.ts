import type { EnTable } from '../table.ts'

/**
 * Strings of the 'copies' area (keys are used as `t('copies.<key>')`): the
 * warning every screen shows while this identity runs in another place too
 * (lib/ui/ElsewhereBanner.svelte), and on a copy restored from a backup the
 * offer to link this browser as a device instead (issue 58, increment 9).
 */
export const en = {
  heading: 'Parley is open in more than one place',
  /** one other copy; {since}: "14:05" today, "3 Mar" before */
  one: 'Parley with your identity is also open in another browser or on another device (since {since}). Only one copy can receive messages: close the other one.',
  /** two or more other copies */
  many: {
    one: 'Parley with your identity is also open in {count} other browser or device (the first since {since}). Only one copy can receive messages: close the others.',
    other: 'Parley with your identity is also open in {count} other browsers or devices (the first since {since}). Only one copy can receive messages: close the others.'
  },
  // ---- a copy restored from a backup here: link instead, or keep it
  restoredHeading: 'This account is open on another device',
  /** {since}: "14:05" today, "3 Mar" before */
  restoredOffer: 'Your account is also open on another device or browser (since {since}), and this copy was restored from a backup. Only one copy can receive messages. You can link this browser to that device instead: it becomes one of your devices and gets your chats from there.',
  linkInstead: 'Link this browser instead',
  keep: 'Keep this copy',
  confirmErase: 'Linking erases this browser’s copy first: its key and everything it holds here. Your other device keeps it all and sends your chats here once this browser is linked. Your backup file is not changed.',
  eraseAndLink: 'Erase this copy and link',
  erasing: 'Erasing this copy…'
} as const satisfies EnTable

import type { EnTable } from '../table.ts'

/** Strings of the My invite screen (routes/MyInvite.svelte) and the QR code view (lib/ui/QrCode.svelte). */
export const en = {
  title: 'My invite',
  intro: 'Send this link to someone you want to chat with, or let them scan the code. When they add you, you can write to each other.',
  yourInvite: 'Your invite',
  linkWhat: 'Your name and your Peer ID, by which Parley finds you through its relays.',
  fullHeading: 'Full invite, with your addresses',
  fullWhat: 'Longer, but it also says where to reach you: for someone whose Parley uses other relays than yours.',
  fullOffline: 'It appears here as soon as you are connected to a relay.',
  fullLabel: 'Full invite',
  copyFull: 'Copy full invite',
  preparing: 'Preparing your invite…',
  loadFailed: 'Could not get your invite: {reason}',
  copyInvite: 'Copy invite',
  copyFailed: 'Could not copy: this browser did not allow it. Select the invite and copy it yourself.',
  qrLabel: 'Invite QR code',
  qrUnavailable: 'The QR code could not be loaded. Copy the invite instead.',
  qrCaption: 'Or let them scan this code, in Parley under {add} → {scan}, or with a phone\'s camera, which opens the invite link.',
  yourName: 'Your name',
  asText: 'As text ({format}, for other Parley apps and terminals)',
  peerId: 'Peer ID',
  qrTooLong: 'This is too long for a QR code. Copy the text instead.'
} as const satisfies EnTable

import type { EnTable } from '../table.ts'

/** Strings of the 'chat' area (keys are used as `t('chat.<key>')`): one chat screen. */
export const en = {
  notFoundTitle: 'Chat not found',
  loading: 'Loading…',
  /** presence line under the contact's name */
  connected: 'Connected',
  notConnected: 'Not connected',
  /** a date: "Last seen Nov 3" */
  lastSeen: 'Last seen {time}',
  lastSeenJustNow: 'Last seen just now',
  /** `ago`: "5 minutes ago" (Intl.RelativeTimeFormat) */
  lastSeenAgo: 'Last seen {ago}',
  lastSeenToday: 'Last seen today at {time}',
  lastSeenYesterday: 'Last seen yesterday at {time}',
  /** screen-reader prefix of the path badge */
  connectionPath: 'Connection path:',
  pathDirect: 'direct',
  pathRelayed: 'relayed',
  pathOffline: 'offline',
  /** why a relayed chat is not direct (the outlook of presence/direct-upgrade.ts) */
  relayedHere: 'This browser cannot make direct connections, so this chat goes through a relay. Files go through it too, up to the size the relay carries.',
  relayedThere: 'The browser of {name} cannot make direct connections, so this chat goes through a relay. Files go through it too, up to the size the relay carries.',
  relayedFailed: 'A direct connection to {name} could not be made (the network may block it), so this chat goes through a relay. A TURN server in Settings may help.',
  verified: 'verified',
  verifiedTitle: 'You compared safety numbers with this contact',
  contactInfo: 'Contact info',
  contactInfoFor: 'Contact info for {name}',
  /** the sentence is followed by a "Contact info" link and a full stop */
  blockedNote: 'You blocked {name}. Nothing they send reaches you; unblock them in',
  requestSending: 'Sending your contact request to {name}…',
  requestUndelivered: 'Your contact request has not reached {name} yet: they may be offline. Parley sends it as soon as you are both online; what you write now is delivered once they accept.',
  requestStored: 'Your contact request waits on a relay until {name} comes online: Parley cannot reach them now. What you write now is delivered once they accept.',
  requestedNote: 'Delivered: waiting for {name} to accept your contact request. What you write now is delivered once they do.',
  /** a contact added from an invite without a check whom the network never found (docs/protocols.md, "Nobody with this ID") */
  notFound: 'No one with this ID was found: check the invite with {name}.',
  notFoundDetail: 'The invite had no check, so a mistyped character in it would not show. What you wrote here was not delivered.',
  notFoundCheck: 'Check the invite',
  notFoundIdIs: 'This chat was added with the ID below. Ask {name} to open My invite and compare it with theirs, character by character; if they differ, add them again from their invite.',
  notFoundId: 'ID this chat was added with',
  notFoundDelete: 'Delete this contact',
  notFoundConfirm: 'Delete {name} and this chat?',
  notFoundYes: 'Delete',
  /** the sentence is followed by a "Chats" link and a full stop */
  pendingNote: '{name} wants to chat with you. Accept or decline the request in',
  chatsLink: 'Chats',
  readError: 'Could not read this chat: {error}',
  notFoundText: 'This contact does not exist on this device.',
  backToChats: 'Back to chats',
  /** accessible name of the message log */
  messages: 'Messages',
  loadingOlder: 'Loading older messages…',
  loadingNewer: 'Loading newer messages…',
  jumpToLatest: 'Jump to latest',
  noMessages: 'No messages yet. Say hello!',
  attachFiles: 'Attach files',
  /** label of the message box */
  messageLabel: 'Message',
  placeholder: 'Message',
  send: 'Send'
} as const satisfies EnTable

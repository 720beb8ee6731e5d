import type { EnTable } from '../table.ts'

/**
 * Strings of the 'chats' area (keys are used as `t('chats.<key>')`): the
 * chats list with its contact requests, and each chat's row in it.
 * `{name}` is a display name, `{query}` what the user typed, `{file}` a file's name and `{caption}` a file's caption: user data,
 * rendered with translate="no" (ui/Template.svelte) where they show as text.
 */
export const en = {
  title: 'Chats',
  readError: 'Could not read your chats: {error}',
  requests: 'Contact requests',
  wantsToChat: 'wants to chat with you',
  namesake: 'Careful: you already have a contact called {name} with a different identity.',
  impostor: 'This may be someone pretending to be them.',
  accept: 'Accept',
  decline: 'Decline',
  acceptLabel: 'Accept {name}',
  declineLabel: 'Decline {name}',
  search: 'Search chats',
  searchPlaceholder: 'Search by name or PeerID',
  empty: 'No chats yet',
  emptyHint: 'Add someone with their invite, or send them yours.',
  addContact: 'Add contact',
  myInvite: 'My invite',
  noMatch: 'No chat matches “{query}”.',
  list: 'Chats',
  waitingForAccept: 'Waiting for them to accept your request',
  requestNotDelivered: 'Your request has not reached them yet',
  requestStored: 'Your request waits on a relay for them',
  notFound: 'No one with this ID was found',
  noMessages: 'No messages yet',
  you: 'You:',
  fileMessage: '📎 {file}',
  photo: '📷 Photo',
  photoCaption: '📷 {caption}',
  voiceMessage: '🎤 Voice message {duration}',
  youDeleted: 'You deleted a message',
  theyDeleted: 'This message was deleted',
  connected: ', connected',
  unread: { one: '{count} unread message', other: '{count} unread messages' },
  unreadMany: 'more than {count} unread messages'
} as const satisfies EnTable

import type { EnTable } from '../table.ts'

/** Strings of the 'actions' area (`t('actions.<key>')`): the message menu, replies, reactions, edits, deletes, info. */
export const en = {
  /** the button on a bubble that opens its menu, and the menu's name */
  open: 'Message actions',
  reply: 'Reply',
  react: 'React',
  copy: 'Copy',
  edit: 'Edit',
  delete: 'Delete',
  info: 'Info',
  /** the bar above the composer while answering a message */
  replyingTo: 'Reply to {name}',
  cancelReply: 'Cancel reply',
  /** the bar above the composer while editing, and its button */
  editing: 'Editing message',
  cancelEdit: 'Cancel editing',
  save: 'Save',
  /** a quote in a bubble: a button that shows the original */
  showOriginal: 'Show the original message',
  originalNotFound: 'Original message not found',
  voiceMessage: 'Voice message',
  /** a message its author deleted for everyone */
  deleted: 'This message was deleted',
  /** after the time of an edited message */
  edited: 'edited',
  /** the chips under a bubble */
  reactions: 'Reactions',
  reactionCount: { one: '{emoji}: {count} reaction', other: '{emoji}: {count} reactions' },
  /** the reaction picker */
  pickerTitle: 'React to the message',
  anyEmoji: 'Any emoji',
  addReaction: 'React',
  close: 'Close',
  /** the delete dialog */
  deleteTitle: 'Delete this message?',
  deleteForMe: 'Delete for me',
  deleteForEveryone: 'Delete for everyone',
  cancel: 'Cancel',
  /** the info dialog */
  infoTitle: 'Message info',
  sentAt: 'Sent',
  receivedAt: 'Received',
  delivered: 'Delivered',
  readAt: 'Read',
  yes: 'yes',
  notYet: 'not yet'
} as const satisfies EnTable

/** Codes of messages: the text a user sends (lib/node/messaging/text.ts). */
export const MESSAGING_ERRORS = {
  messageTooLong: { bytes: 'number', limit: 'number' },
  messageEmpty: {},
  messageBrokenChars: {},
  // message actions (lib/node/actions)
  messageNotFound: {},
  messageWasDeleted: {},
  editNotYours: {},
  editNotText: {},
  editTooLate: { hours: 'count' },
  deleteTooLate: { hours: 'count' },
  reactionNotEmoji: {},
  chatTimerInvalid: { seconds: 'number' },
  actionOnCall: {},
  actionOnNotice: {},
  // groups (lib/node/groups)
  groupNotFound: {},
  groupNotMember: {},
  groupNotEntitled: {},
  groupNameInvalid: { max: 'number' },
  groupFull: { max: 'number' },
  groupMemberNotContact: {},
  groupAlreadyMember: {},
  groupNotInvited: {},
  groupPictureInvalid: { max: 'bytes' },
  // calls (lib/node/calls)
  callNotFound: {},
  callBusy: {},
  callNotContact: {}
} as const

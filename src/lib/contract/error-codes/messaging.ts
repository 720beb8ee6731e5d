/** Codes of messages: the text a user sends (lib/p2p/messaging/text.ts). */
export const MESSAGING_ERRORS = {
  messageTooLong: { bytes: 'number', limit: 'number' },
  messageEmpty: {},
  messageBrokenChars: {},
  // message actions (lib/p2p/actions)
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
  // groups (lib/p2p/groups)
  groupNotFound: {},
  groupNotMember: {},
  groupNotEntitled: {},
  groupNameInvalid: { max: 'number' },
  groupFull: { max: 'number' },
  groupMemberNotContact: {},
  groupAlreadyMember: {},
  groupNotInvited: {},
  groupPictureInvalid: { max: 'bytes' },
  // calls (lib/p2p/calls)
  callNotFound: {},
  callBusy: {},
  callNotContact: {},
  // group calls (lib/p2p/group-calls)
  groupCallFull: { max: 'number' }
} as const

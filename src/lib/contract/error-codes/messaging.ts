/** Codes of messages: the text a user sends (lib/node/messaging/text.ts). */
export const MESSAGING_ERRORS = {
  messageTooLong: { bytes: 'number', limit: 'number' },
  messageEmpty: {},
  messageBrokenChars: {}
} as const

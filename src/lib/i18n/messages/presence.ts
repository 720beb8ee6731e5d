import type { EnTable } from '../table.ts'

/**
 * Strings of the 'presence' area (keys are used as `t('presence.<key>')`):
 * typing indicators, read receipts and disappearing messages, in the chat,
 * Contact info and Settings. `{name}` and `{time}` are filled by Template.
 */
export const en = {
  /** under the messages while the contact (in a group, one member) types to us */
  typing: '{name} is typing…',
  /** in a group, while several members type (ui/typing-text.ts): the first two by name, then how many more */
  typingTwo: '{first} and {second} are typing…',
  typingThree: '{first}, {second} and {third} are typing…',
  typingMore: {
    one: '{first}, {second} and {count} other are typing…',
    other: '{first}, {second} and {count} others are typing…'
  },
  /** Settings → Privacy */
  privacyHeading: 'Privacy',
  readReceipts: 'Read receipts',
  readReceiptsHelp: 'Let contacts know when you have read their messages. When off, you do not see when they read yours either.',
  typingIndicators: 'Typing indicators',
  typingHelp: 'Let contacts see when you are typing. When off, you do not see when they type either.',
  /** Contact info: the chat's timer */
  disappearingHeading: 'Disappearing messages',
  disappearingHelp: 'New messages in this chat disappear from both devices this long after they were sent. You both see a change.',
  timer0: 'Off',
  timer300: '5 minutes',
  timer3600: '1 hour',
  timer86400: '1 day',
  timer604800: '1 week',
  /** the short form in the chat's header */
  short300: '5 min',
  short3600: '1 h',
  short86400: '1 d',
  short604800: '1 wk',
  /** the header's indicator, for screen readers and as its tooltip */
  timerIndicator: 'Disappearing messages: {time}',
  /** the line under the chat's header while a timer is on */
  timerSetByThem: 'Disappearing messages: {time}, set by {name}',
  timerSetByYou: 'Disappearing messages: {time}, set by you',
  /** beside a message that will disappear */
  disappears: 'Disappearing message'
} as const satisfies EnTable

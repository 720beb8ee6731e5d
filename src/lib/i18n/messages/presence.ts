import type { EnTable, RuTable } from '../table.ts'

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

export const ru: RuTable<typeof en> = {
  typing: '{name} печатает…',
  typingTwo: '{first} и {second} печатают…',
  typingThree: '{first}, {second} и {third} печатают…',
  typingMore: {
    one: '{first}, {second} и ещё {count} человек печатают…',
    few: '{first}, {second} и ещё {count} человека печатают…',
    many: '{first}, {second} и ещё {count} человек печатают…',
    other: '{first}, {second} и ещё {count} человека печатают…'
  },
  privacyHeading: 'Конфиденциальность',
  readReceipts: 'Отчёты о прочтении',
  readReceiptsHelp: 'Контакты узнают, когда вы прочитали их сообщения. Если выключить, вы тоже не увидите, когда они прочитали ваши.',
  typingIndicators: 'Индикатор набора текста',
  typingHelp: 'Контакты видят, когда вы печатаете. Если выключить, вы тоже не увидите, когда печатают они.',
  disappearingHeading: 'Исчезающие сообщения',
  disappearingHelp: 'Новые сообщения в этом чате исчезают с обоих устройств через это время после отправки. Изменение видите вы оба.',
  timer0: 'Выключено',
  timer300: '5 минут',
  timer3600: '1 час',
  timer86400: '1 день',
  timer604800: '1 неделя',
  short300: '5 мин',
  short3600: '1 ч',
  short86400: '1 д',
  short604800: '1 нед',
  timerIndicator: 'Исчезающие сообщения: {time}',
  timerSetByThem: 'Исчезающие сообщения: {time}, включил(а) {name}',
  timerSetByYou: 'Исчезающие сообщения: {time}, включили вы',
  disappears: 'Исчезающее сообщение'
}

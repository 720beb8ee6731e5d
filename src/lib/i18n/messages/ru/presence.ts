import type { RuTable } from '../../table.ts'
import type { en } from '../presence.ts'

/** The Russian of messages/presence.ts (its comment says what the area holds): loaded on demand, with every area's (i18n/ru.ts). */
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

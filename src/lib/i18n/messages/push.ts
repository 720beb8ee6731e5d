import type { EnTable, RuTable } from '../table.ts'

/** Strings of the 'push' area (keys are used as `t('push.<key>')`): Settings → Notifications → "When Parley is closed". */
export const en = {
  closedToggle: 'When Parley is closed',
  closedHelp: 'Your relays wake this browser through its push service when a message waits, so you are notified even with Parley closed. The push service (Google’s, Mozilla’s or Apple’s) learns when a relay wakes this browser, never who wrote or what; the relays learn which push service it uses.',
  statusOn: { one: 'On: your relay wakes this browser ({covered} of {count}).', other: 'On: your relays wake this browser ({covered} of {count}).' },
  statusOnNone: 'On. Your relays have not confirmed yet; this can take a moment after Parley connects.',
  statusOtherKey: { one: '{count} relay uses another push key: its messages arrive when you open Parley.', other: '{count} relays use another push key: their messages arrive when you open Parley.' },
  statusOff: 'Off. Messages wait on your relays until you open Parley.',
  statusLoading: 'Checking…',
  unsupported: 'This browser cannot wake Parley when it is closed. On iPhone or iPad, add Parley to the Home Screen and open it from there; elsewhere, keep a Parley tab open.',
  denied: 'Notifications are blocked for this site, so Parley cannot wake this browser. Allow them in the browser’s site settings, then try again.',
  relaysOff: 'Your relays do not send push notifications (their operators turned it off, or they run an older version). Messages still wait there until you open Parley.',
  noRelays: 'Parley is not connected to a relay yet. Try again once it is online.',
  failed: 'Could not turn it on: {reason}',
  relaysLabel: 'Your relays',
  relayRegistered: 'wakes this browser',
  relayPending: 'not confirmed yet',
  relayRefused: 'refused ({code})',
  relayOtherKey: 'another push key: no wake-ups from it',
  relayUnsupported: 'sends no push',
  namesToggle: 'Show names in notifications',
  namesFailed: 'Could not change names in notifications: {reason}',
  namesHelp: 'A notification then says which contact or group wrote, as your contacts’ apps tell this device in a way only it can read. Off, it says only how many messages wait.'
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  closedToggle: 'Когда Parley закрыт',
  closedHelp: 'Ваши ретрансляторы будят этот браузер через его службу пуш-уведомлений, когда вас ждёт сообщение, и вы узнаёте о нём даже при закрытом Parley. Служба пуш-уведомлений (Google, Mozilla или Apple) узнаёт, когда ретранслятор будит этот браузер, но не кто написал и что; ретрансляторы узнают, какой службой пользуется браузер.',
  statusOn: {
    one: 'Включено: этот браузер будит ваш ретранслятор ({covered} из {count}).',
    few: 'Включено: этот браузер будят ваши ретрансляторы ({covered} из {count}).',
    many: 'Включено: этот браузер будят ваши ретрансляторы ({covered} из {count}).',
    other: 'Включено: этот браузер будят ваши ретрансляторы ({covered} из {count}).'
  },
  statusOnNone: 'Включено. Ретрансляторы ещё не подтвердили; это может занять немного времени после подключения Parley.',
  statusOtherKey: {
    one: '{count} ретранслятор использует другой ключ для пуш-уведомлений: его сообщения придут, когда вы откроете Parley.',
    few: '{count} ретранслятора используют другой ключ для пуш-уведомлений: их сообщения придут, когда вы откроете Parley.',
    many: '{count} ретрансляторов используют другой ключ для пуш-уведомлений: их сообщения придут, когда вы откроете Parley.',
    other: '{count} ретранслятора используют другой ключ для пуш-уведомлений: их сообщения придут, когда вы откроете Parley.'
  },
  statusOff: 'Выключено. Сообщения ждут на ретрансляторах, пока вы не откроете Parley.',
  statusLoading: 'Проверяем…',
  unsupported: 'Этот браузер не может будить Parley, когда он закрыт. На iPhone или iPad добавьте Parley на экран «Домой» и открывайте его оттуда; в других случаях держите вкладку Parley открытой.',
  denied: 'Уведомления для этого сайта запрещены, поэтому Parley не может будить этот браузер. Разрешите их в настройках сайта в браузере и попробуйте снова.',
  relaysOff: 'Ваши ретрансляторы не отправляют пуш-уведомления (их владельцы отключили это или у них старая версия). Сообщения по-прежнему ждут там, пока вы не откроете Parley.',
  noRelays: 'Parley ещё не подключён ни к одному ретранслятору. Попробуйте снова, когда он будет в сети.',
  failed: 'Не удалось включить: {reason}',
  relaysLabel: 'Ваши ретрансляторы',
  relayRegistered: 'будит этот браузер',
  relayPending: 'ещё не подтвердил',
  relayRefused: 'отказал ({code})',
  relayOtherKey: 'другой ключ для пуш-уведомлений: не будит',
  relayUnsupported: 'не отправляет пуш-уведомления',
  namesToggle: 'Показывать имена в уведомлениях',
  namesFailed: 'Не удалось изменить имена в уведомлениях: {reason}',
  namesHelp: 'Тогда уведомление говорит, какой контакт или какая группа написали: приложения ваших контактов сообщают это устройству так, что прочесть может только оно. Если выключено, уведомление говорит лишь, сколько сообщений ждёт.'
}

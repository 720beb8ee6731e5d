import type { EnTable, RuTable } from '../table.ts'

/**
 * Strings of the 'copies' area (keys are used as `t('copies.<key>')`): the
 * warning every screen shows while this identity runs in another place too
 * (lib/ui/ElsewhereBanner.svelte).
 */
export const en = {
  heading: 'Parley is open in more than one place',
  /** one other copy; {since}: "14:05" today, "3 Mar" before */
  one: 'Parley with your identity is also open in another browser or on another device (since {since}). Only one copy can receive messages: close the other one.',
  /** two or more other copies */
  many: {
    one: 'Parley with your identity is also open in {count} other browser or device (the first since {since}). Only one copy can receive messages: close the others.',
    other: 'Parley with your identity is also open in {count} other browsers or devices (the first since {since}). Only one copy can receive messages: close the others.'
  }
} as const satisfies EnTable

export const ru: RuTable<typeof en> = {
  heading: 'Parley открыт больше чем в одном месте',
  one: 'Parley с вашим профилем открыт ещё в другом браузере или на другом устройстве (с {since}). Получать сообщения может только одна копия: закройте другую.',
  many: {
    one: 'Parley с вашим профилем открыт ещё в {count} другом браузере или на другом устройстве (первый — с {since}). Получать сообщения может только одна копия: закройте остальные.',
    few: 'Parley с вашим профилем открыт ещё в {count} других браузерах или на других устройствах (первый — с {since}). Получать сообщения может только одна копия: закройте остальные.',
    many: 'Parley с вашим профилем открыт ещё в {count} других браузерах или на других устройствах (первый — с {since}). Получать сообщения может только одна копия: закройте остальные.',
    other: 'Parley с вашим профилем открыт ещё в {count} других браузерах или на других устройствах (первый — с {since}). Получать сообщения может только одна копия: закройте остальные.'
  }
}

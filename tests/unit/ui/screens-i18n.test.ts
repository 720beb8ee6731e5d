import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale, t } from '../../../src/lib/i18n/index.ts'
import '../../../src/lib/i18n/backup.ts'
import '../../../src/lib/i18n/devices.ts'
import '../../../src/lib/i18n/export.ts'
import '../../../src/lib/i18n/link.ts'
import '../../../src/lib/i18n/push.ts'
import '../../../src/lib/i18n/release.ts'
import '../../../src/lib/i18n/settings.ts'
import * as add from '../../../src/lib/i18n/messages/add.ts'
import * as addRu from '../../../src/lib/i18n/messages/ru/add.ts'
import * as backup from '../../../src/lib/i18n/messages/backup.ts'
import * as devices from '../../../src/lib/i18n/messages/devices.ts'
import * as exportChat from '../../../src/lib/i18n/messages/export.ts'
import * as invite from '../../../src/lib/i18n/messages/invite.ts'
import * as inviteRu from '../../../src/lib/i18n/messages/ru/invite.ts'
import * as link from '../../../src/lib/i18n/messages/link.ts'
import * as network from '../../../src/lib/i18n/messages/network.ts'
import * as networkRu from '../../../src/lib/i18n/messages/ru/network.ts'
import * as push from '../../../src/lib/i18n/messages/push.ts'
import * as release from '../../../src/lib/i18n/messages/release.ts'
import * as settings from '../../../src/lib/i18n/messages/settings.ts'
import type { Entry } from '../../../src/lib/i18n/table.ts'
import QrCode from '../../../src/lib/ui/QrCode.svelte'
import { ImageTooLargeError, NoQrCodeError, QrDecoderUnavailableError, UnreadableImageError } from '../../../src/lib/ui/qr-errors.ts'
import { decodeQr, MAX_IMAGE_FILE_BYTES } from '../../../src/lib/ui/qr-scan.ts'
import { templateParts } from '../../../src/lib/ui/template.ts'

/**
 * The strings of the Network, Settings (with its backup section, loaded on
 * demand), Add contact and My invite screens, and of linked devices and
 * linking one (on demand too)
 * (and the QR widgets) in both languages: the tables agree with each other,
 * plurals pick the right Russian form, and errors made by the QR code are in
 * the language current when they are made.
 */

afterEach(() => { setLocale('en') })

// the shell's areas keep their Russian in messages/ru/ (loaded on demand); the lazy areas carry both
const AREAS = {
  add: { en: add.en, ru: addRu.ru },
  backup,
  devices,
  export: exportChat,
  invite: { en: invite.en, ru: inviteRu.ru },
  link,
  network: { en: network.en, ru: networkRu.ru },
  push,
  release,
  settings
} as const

function forms (entry: Entry): string[] {
  return typeof entry === 'string' ? [entry] : Object.values(entry)
}

function placeholders (text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

async function failure (promise: Promise<unknown>): Promise<Error> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('expected a rejection with an Error')
  return err
}

describe('the screens\' string tables', () => {
  it.each(Object.entries(AREAS))('%s: Russian fills the same placeholders as English, in every plural form', (_, area) => {
    const en: Readonly<Record<string, Entry>> = area.en
    const ru: Readonly<Record<string, Entry>> = area.ru
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort())
    for (const [key, entry] of Object.entries(en)) {
      const expected = placeholders(forms(entry)[0] ?? '')
      for (const text of [...forms(entry), ...forms(ru[key] ?? '')]) {
        expect(placeholders(text), `${key}: ${text}`).toEqual(expected)
      }
    }
  })

  it('has no Latin words in Russian outside technical names', () => {
    const allowed = new Set(['Parley', 'PeerID', 'QR', 'DHT', 'WebRTC', 'TURN', 'WebSocket', 'RTT', 'PNG', 'JPEG', 'WebP', 'ZIP', 'parley-link', 'Google', 'Mozilla', 'Apple', 'iPhone', 'iPad'])
    for (const [name, area] of Object.entries(AREAS)) {
      const ru: Readonly<Record<string, Entry>> = area.ru
      for (const [key, entry] of Object.entries(ru)) {
        for (const text of forms(entry)) {
          const words = text.replace(/\{\w+\}/g, '').match(/[A-Za-z]+(?:-[A-Za-z]+)*/g) ?? []
          expect(words.filter((word) => !allowed.has(word)), `${name}.${key}: ${text}`).toEqual([])
        }
      }
    }
  })

  it('picks the Russian plural by count', () => {
    setLocale('ru')
    expect(t('network.stateFailing', { count: 1 })).toBe('Не удаётся подключиться (1 неудачная попытка)')
    expect(t('network.stateFailing', { count: 3 })).toBe('Не удаётся подключиться (3 неудачные попытки)')
    expect(t('network.stateFailing', { count: 5 })).toBe('Не удаётся подключиться (5 неудачных попыток)')
    expect(t('network.stateFailing', { count: 21 })).toBe('Не удаётся подключиться (21 неудачная попытка)')
    expect(t('network.dhtRunningClient', { count: 12 })).toBe('Работает (режим клиента): 12 узлов в таблице маршрутизации')
    expect(t('backup.passphraseTooShort', { count: 12 })).toBe('Придумайте пароль не короче 12 символов.')
    expect(t('backup.passphraseTooShort', { count: 21 })).toBe('Придумайте пароль не короче 21 символа.')
    expect(t('settings.turnFull', { count: 4 })).toMatch(/^У вас 4 TURN-сервера /)
    setLocale('en')
    expect(t('network.stateFailing', { count: 1 })).toBe('Cannot connect (1 failed attempt)')
    expect(t('network.reachRelayed', { count: 2 })).toMatch(/^Reachable through relays only \(2 reservations\)\./)
  })

  it('writes numbers in the language\'s own way', () => {
    setLocale('ru')
    expect(t('network.ms', { rtt: 1500 })).toBe('1\u00a0500 мс')
    expect(t('network.directOpen', { count: 3 })).toBe('Открытых прямых соединений: 3')
  })

  it('leaves data placeholders for Template: the address stays a part of its own', () => {
    setLocale('ru')
    const address = '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWabc'
    expect(templateParts(t('network.added'), { address })).toEqual([
      { text: 'Добавлен ', data: false },
      { text: address, data: true },
      { text: '. Parley подключается к нему.', data: false }
    ])
  })
})

describe('QR errors in the current language', () => {
  it('makes each error\'s sentence when it is thrown', () => {
    setLocale('ru')
    expect(new NoQrCodeError().message).toMatch(/^На этом изображении не найден QR-код/)
    expect(new UnreadableImageError().message).toMatch(/^Не удалось прочитать это изображение/)
    expect(new QrDecoderUnavailableError().message).toMatch(/^Не удалось загрузить модуль чтения QR-кодов/)
    setLocale('en')
    expect(new NoQrCodeError().message).toMatch(/^No QR code found in this image/)
  })

  it('refuses an empty or too large file in Russian', async () => {
    setLocale('ru')
    const empty = await failure(decodeQr(new Blob([])))
    expect(empty.name).toBe('UnreadableImageError')
    expect(empty.message).toBe('Этот файл пуст. Выберите изображение QR-кода.')
    const huge = await failure(decodeQr(new Blob([new Uint8Array(MAX_IMAGE_FILE_BYTES + 1)])))
    expect(huge).toBeInstanceOf(ImageTooLargeError)
    expect(huge.message).toBe('Это изображение больше 20 МБ. Выберите файл поменьше или снимок экрана только с QR-кодом.')
  })

  it('says in Russian that a text is too long for a QR code', () => {
    setLocale('ru')
    const { body } = render(QrCode, { props: { text: 'A'.repeat(5000), label: t('invite.qrLabel') } })
    expect(body).toContain('Текст слишком длинный для QR-кода.')
    expect(body).not.toContain('<svg')
  })
})

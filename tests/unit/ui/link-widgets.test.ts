/**
 * Linking a device, the widgets from props alone (issue 58): the new
 * device's side (ui/LinkNewDevice.svelte: the QR code and its text, a new
 * code once expired, the code large with the account's name, the progress
 * bar, the way into the app, the reason and "Try again") and the existing
 * device's (ui/LinkDevice.svelte: only on the device holding the account
 * key, the scanner and the pasted text, the code with "Same code" / "Codes
 * differ", the progress bar, the outcome), in English and Russian.
 */
import '../../support/russian.ts'
import { createRawSnippet } from 'svelte'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import type { LinkView } from '../../../src/lib/contract/link-types.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import LinkDevice, { type LinkExistingOf } from '../../../src/lib/ui/LinkDevice.svelte'
import LinkedDevices from '../../../src/lib/ui/LinkedDevices.svelte'
import LinkNewDevice, { type LinkNewOf } from '../../../src/lib/ui/LinkNewDevice.svelte'

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const QR = 'parley-link:1:12D3KooWNewDevice:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
/** Without the classes (the scoped styles' among them). */
const plain = (html: string): string => html.replace(/ class="[^"]*"/g, '')
/** The buttons' accessible names (their text), in order. */
const buttons = (html: string): string[] => [...html.matchAll(/<button[^>]*>([^]*?)<\/button>/g)].map(m => text(m[1] ?? ''))

const newLink = (over: Partial<LinkNewOf> = {}): LinkNewOf => ({
  view: null, busy: false, error: '', expired: false,
  start: async () => {}, cancel: async () => {}, dismiss: () => {}, enter: async () => {}, ...over
})
const showNew = (over: Partial<LinkNewOf> = {}): string => plain(render(LinkNewDevice, { props: { link: newLink(over) } }).body)
const asNew = (view: Omit<LinkView, 'role' | 'id'>): Partial<LinkNewOf> => ({ view: { id: 'run-1', role: 'new', ...view } })

const existingLink = (over: Partial<LinkExistingOf> = {}): LinkExistingOf => ({
  view: null, busy: false, error: '', problem: undefined, scanning: false,
  open: () => {}, close: () => {}, link: async () => {}, confirm: async () => {}, cancel: async () => {}, dismiss: () => {}, ...over
})
const showExisting = (over: Partial<LinkExistingOf> = {}, holder = true): string => plain(render(LinkDevice, { props: { link: existingLink(over), holder } }).body)
const asExisting = (view: Omit<LinkView, 'role' | 'id'>): Partial<LinkExistingOf> => ({ view: { id: 'run-1', role: 'existing', ...view } })

describe('the new device ("Link to an existing Parley")', () => {
  it('before it starts: what it does, and its button', () => {
    const body = showNew()
    expect(body).toMatch(/<h2 id="link-heading">Link to an existing Parley<\/h2>/)
    expect(text(body)).toContain('Already use Parley on another device?')
    expect(buttons(body)).toEqual(['Link to an existing Parley'])
    expect(text(showNew({ busy: true }))).toContain('Preparing the code…')
    expect(buttons(showNew({ busy: true }))).toEqual(['Cancel linking'])
  })

  it('waiting: the QR code of the text, the same text to copy, and where to go on the other device', () => {
    const body = showNew(asNew({ phase: 'waiting', qr: QR, expiresAt: 1 }))
    expect(body).toMatch(/<svg[^>]*role="img"[^>]*aria-label="QR code to link this device"/)
    expect(body).toMatch(new RegExp(`<textarea id="link-text"[^>]*readonly[^>]*>${QR}</textarea>`))
    expect(body).toMatch(/<label for="link-text">No camera there\? Paste this text on the other device instead:<\/label>/)
    expect(text(body)).toContain('Open Parley on your other device → Settings → Linked devices → Link a device, then scan this code.')
    expect(text(body)).toContain('Waiting for your other device…')
    expect(buttons(body)).toEqual(['Copy', 'Cancel linking'])
    // no relay holds its offer: no short code
    expect(body).not.toContain('link-short-code')
  })

  it('waiting with a short code: shown under the QR code, to type where there is no camera', () => {
    const body = showNew(asNew({ phase: 'waiting', qr: QR, expiresAt: 1, shortCode: '7K3M-Q9TX-A2HF' }))
    expect(body).toMatch(/<\/figure>\s*(<!--[^>]*-->)?<p id="link-short-code-label">Or type this code on the other device:<\/p>\s*<output aria-labelledby="link-short-code-label" data-testid="link-short-code" translate="no">7K3M-Q9TX-A2HF<\/output>/)
    setLocale('ru')
    expect(text(showNew(asNew({ phase: 'waiting', qr: QR, expiresAt: 1, shortCode: '7K3M-Q9TX-A2HF' })))).toContain('Или введите этот код на другом устройстве: 7K3M-Q9TX-A2HF')
  })

  it('an expired code is not shown: a new one on request', () => {
    const body = showNew({ ...asNew({ phase: 'waiting', qr: QR, expiresAt: 1 }), expired: true })
    expect(body).not.toContain('<svg')
    expect(body).not.toContain(QR)
    expect(text(body)).toContain('This code has expired.')
    expect(buttons(body)).toEqual(['Show a new code', 'Cancel linking'])
  })

  it('confirm: the code large, with the account\'s name, confirmed on the other device', () => {
    const body = showNew(asNew({ phase: 'confirm', code: '048213', accountName: 'Alice' }))
    expect(body).toMatch(/<output aria-labelledby="[^"]+-code" data-testid="link-code" data-code="048213" translate="no">048 213<\/output>/)
    expect(text(body)).toContain('Confirmation code')
    expect(text(body)).toContain('Linking to Alice’s Parley')
    expect(text(body)).toContain('Check that your other device shows the same code, and confirm there.')
    expect(buttons(body)).toEqual(['Cancel linking'])
  })

  it('transfer: a progress bar with its value, and the same in words', () => {
    const body = showNew(asNew({ phase: 'transfer', progress: { done: 450, total: 1000 } }))
    expect(body).toMatch(/<progress aria-label="Moving your chats" max="100" value="45"><\/progress>/)
    expect(text(body)).toContain('Moving your chats… 45%')
    const unknown = showNew(asNew({ phase: 'transfer', progress: { done: 0, total: 0 } }))
    expect(unknown).toMatch(/<progress aria-label="Moving your chats"><\/progress>/)
    expect(text(unknown)).toContain('Moving your chats…')
    expect(text(unknown)).not.toContain('connection')
    // which way it comes, once the pull said
    expect(text(showNew(asNew({ phase: 'transfer', progress: { done: 1, total: 2 }, path: 'direct' })))).toContain('Over a direct connection between your devices.')
    expect(text(showNew(asNew({ phase: 'transfer', progress: { done: 1, total: 2 }, path: 'relayed' })))).toContain('Through a relay.')
  })

  it('done: into the app; ended: why, and "Try again"', () => {
    expect(buttons(showNew(asNew({ phase: 'done' })))).toEqual(['Open Parley'])
    const ended = showNew(asNew({ phase: 'ended', reason: 'declined', byPeer: true }))
    expect(text(ended)).toContain('The other device declined. Nothing was linked.')
    expect(buttons(ended)).toEqual(['Try again', 'Back'])
    expect(text(showNew(asNew({ phase: 'ended', reason: 'too-big' })))).toContain('Your account is too big to move through a relay, and the two devices could not connect directly')
  })

  it('in Russian too', () => {
    setLocale('ru')
    expect(buttons(showNew())).toEqual(['Связать с Parley на другом устройстве'])
    expect(text(showNew(asNew({ phase: 'waiting', qr: QR, expiresAt: 1 })))).toContain('Откройте Parley на другом устройстве → Настройки → Связанные устройства → Связать устройство')
    expect(text(showNew(asNew({ phase: 'confirm', code: '048213', accountName: 'Alice' })))).toContain('Проверьте, что другое устройство показывает тот же код, и подтвердите там.')
    expect(text(showNew(asNew({ phase: 'transfer', progress: { done: 45, total: 100 } })))).toContain('Переносим ваши чаты… 45%')
    expect(text(showNew(asNew({ phase: 'transfer', progress: { done: 45, total: 100 }, path: 'direct' })))).toContain('По прямому соединению между вашими устройствами.')
    expect(text(showNew(asNew({ phase: 'ended', reason: 'too-big' })))).toContain('Ваш аккаунт слишком велик, чтобы перенести его через ретранслятор')
    expect(buttons(showNew(asNew({ phase: 'ended', reason: 'timeout' })))).toEqual(['Попробовать снова', 'Назад'])
  })
})

describe('the existing device (Settings → Linked devices → "Link a device")', () => {
  it('only on the device holding the account key; the others are told where linking is done', () => {
    const other = showExisting({}, false)
    expect(text(other)).toContain('Devices are linked from the device that created your account')
    expect(buttons(other)).toEqual([])
    expect(buttons(showExisting())).toEqual(['Link a device'])
  })

  it('the scan step: the camera or a picture (the invite scanner), or the pasted text', () => {
    const body = showExisting({ scanning: true })
    expect(body).toMatch(/<h3 id="link-device-heading">Link a device<\/h3>/)
    expect(text(body)).toContain('choose “Link to an existing Parley”')
    expect(buttons(body)).toEqual(['Scan QR code', 'Link', 'Cancel'])
    expect(body).toMatch(/<label for="link-paste">The code or text the new device shows<\/label>/)
    expect(body).toContain('<textarea id="link-paste"')
    expect(text(showExisting({ scanning: true, problem: 'empty' }))).toContain('Paste the text the new device shows, or scan its QR code.')
    expect(text(showExisting({ scanning: true, problem: 'invite' }))).toContain('That is an invite link, for adding a contact, not a code for linking a device.')
    expect(text(showExisting({ scanning: true, problem: 'not-code' }))).toContain('type the 12-character code the new device shows (like 7K3M-Q9TX-A2HF), or paste the whole text that starts with “parley-link:”')
    expect(text(showExisting({ scanning: true, problem: 'bad-code' }))).toContain('That code has a typo: check each character against the new device’s screen')
    expect(text(showExisting({ scanning: true, ...asExisting({ phase: 'ended', reason: 'code-unknown' }) }))).toContain('None of your relays knows this code.')
    const refused = showExisting({ scanning: true, ...asExisting({ phase: 'ended', reason: 'bad-qr' }) })
    expect(text(refused)).toContain('That is not a code for linking a device.')
    expect(refused).toMatch(/<textarea id="link-paste"[^>]*aria-invalid="true"/)
    expect(text(showExisting({ scanning: true, busy: true }))).toContain('Connecting to the new device…')
  })

  it('connecting: a spinner with its words', () => {
    const body = showExisting(asExisting({ phase: 'connecting' }))
    expect(body).toMatch(/<p role="status"><span aria-hidden="true"><\/span>Connecting to the new device…<\/p>/)
    expect(buttons(body)).toEqual(['Cancel linking'])
  })

  it('confirm: the code large, with "Same code" and "Codes differ"', () => {
    const body = showExisting(asExisting({ phase: 'confirm', code: '048213', device: '12D3KooWNewDevice' }))
    expect(body).toContain('data-code="048213"')
    expect(text(body)).toContain('048 213')
    expect(text(body)).toContain('Does the new device show the same code?')
    expect(text(body)).toContain('New device: 12D3KooWNewDevice')
    expect(buttons(body)).toEqual(['Same code', 'Codes differ'])
    expect(showExisting({ ...asExisting({ phase: 'confirm', code: '048213' }), busy: true })).toMatch(/<button[^>]*disabled[^>]*>Same code/)
  })

  it('transfer, done and ended', () => {
    expect(showExisting(asExisting({ phase: 'transfer', progress: { done: 1, total: 3 } }))).toMatch(/<progress aria-label="Moving your chats" max="100" value="33">/)
    const done = showExisting(asExisting({ phase: 'done' }))
    expect(text(done)).toContain('The new device is linked: it is in the list of your devices.')
    expect(buttons(done)).toEqual(['Close'])
    const ended = showExisting(asExisting({ phase: 'ended', reason: 'full' }))
    expect(text(ended)).toContain('Your account already has 5 devices, the most it can have.')
    expect(buttons(ended)).toEqual(['Try again', 'Close'])
  })

  it('in Russian too', () => {
    setLocale('ru')
    expect(buttons(showExisting())).toEqual(['Связать устройство'])
    expect(buttons(showExisting(asExisting({ phase: 'confirm', code: '048213' })))).toEqual(['Код совпадает', 'Коды разные'])
    expect(text(showExisting({}, false))).toContain('Устройства связываются с того устройства, на котором создан ваш аккаунт')
    expect(text(showExisting(asExisting({ phase: 'connecting' })))).toContain('Подключаемся к новому устройству…')
    expect(text(showExisting({ scanning: true, problem: 'invite' }))).toContain('Это ссылка-приглашение для добавления контакта')
    expect(text(showExisting({ scanning: true, problem: 'not-code' }))).toContain('введите 12-символьный код, который показывает новое устройство, или вставьте весь текст, начинающийся с «parley-link:»')
    expect(text(showExisting({ scanning: true, problem: 'bad-code' }))).toContain('В коде опечатка')
  })

  it('sits under the list of devices, told whether this device holds the account key', () => {
    const link = createRawSnippet((holder: () => boolean) => ({ render: () => `<p>holder: ${String(holder())}</p>` }))
    const devices = {
      view: { account: 'A', device: 'A', holder: false, deviceName: '', version: 1, removed: false, devices: [{ peer: 'A', name: 'Laptop', added: 1, thisDevice: true }] },
      loaded: true,
      rename: async () => {},
      remove: async () => {},
      erase: async () => {}
    }
    const body = text(render(LinkedDevices, { props: { devices, link } }).body)
    expect(body).toMatch(/Laptop This device .*holder: false Name of this device/)
  })
})

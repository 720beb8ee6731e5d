/**
 * Settings → Notifications → "When Parley is closed" (state/closed-push.svelte.ts)
 * over a fake node and a fake browser (the PushBrowser interface): on asks the
 * permission, then the relays' keys, subscribes with the chosen key and hands
 * the subscription to the node; a denied permission, relays with push off or
 * no relay stop before subscribing; a browser subscription with another key
 * goes first; a subscription the node refuses is dropped again, the reason in
 * words (English and Russian); off unsubscribes and hands null; a browser
 * without PushManager is 'unsupported' without a call.
 */
import '../../support/russian.ts'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { p256 } from '@noble/curves/nist.js'
import { toBase64Url } from '@parley/protocol/base64'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { InvalidPushSubscriptionError } from '../../../src/lib/p2p/push/subscription.ts'
import { ClosedPush } from '../../../src/lib/state/closed-push.svelte.ts'
import { fakeCall } from '../../support/fake-node.ts'
import type { FakeAnswers } from '../../support/fake-node.ts'
import type { PushKeys, PushStatus } from '../../../src/lib/contract/index.ts'
import type { BrowserPushSubscription, PushBrowser } from '../../../src/lib/pwa/push-browser.ts'

beforeEach(() => { vi.spyOn(console, 'error').mockImplementation(() => undefined) })
afterEach(() => { vi.restoreAllMocks(); setLocale('en') })

const point = (): Uint8Array => p256.getPublicKey(p256.utils.randomSecretKey(), false)
const KEY = point()
const OTHER = point()
const KEYS: PushKeys = {
  relays: [{ relay: 'R1', state: 'on', vapidKey: toBase64Url(KEY) }, { relay: 'R2', state: 'on', vapidKey: toBase64Url(OTHER) }],
  key: { vapidKey: toBase64Url(KEY), relays: ['R1'] }
}
const ON: PushStatus = {
  enabled: true,
  names: false,
  applicationServerKey: toBase64Url(KEY),
  relays: [{ relay: 'R1', state: 'registered', vapidKey: toBase64Url(KEY) }, { relay: 'R2', state: 'other-key', vapidKey: toBase64Url(OTHER) }]
}
const OFF: PushStatus = { enabled: false, names: false, relays: [] }

/** A browser with PushManager whose permission prompt answers `answer`; records what it was asked. */
class FakeBrowser implements PushBrowser {
  supported = true
  state: NotificationPermission = 'default'
  held: BrowserPushSubscription | null | undefined = null
  readonly log: string[] = []
  constructor (private readonly answer: NotificationPermission = 'granted') {}
  permission (): NotificationPermission { return this.state }
  async requestPermission (): Promise<NotificationPermission> { this.log.push('permission'); this.state = this.answer; return this.answer }
  async current (): Promise<BrowserPushSubscription | null | undefined> { return this.held }
  async subscribe (applicationServerKey: Uint8Array): Promise<BrowserPushSubscription> {
    this.log.push(`subscribe ${toBase64Url(applicationServerKey)}`)
    this.held = { endpoint: 'https://push.example.net/wpush/v2/new', p256dh: point(), auth: new Uint8Array(16).fill(1), applicationServerKey }
    return this.held
  }
  async unsubscribe (): Promise<void> { this.log.push('unsubscribe'); this.held = null }
}

function setup (answers: FakeAnswers, browser = new FakeBrowser()): { push: ClosedPush, node: ReturnType<typeof fakeCall>, browser: FakeBrowser } {
  const node = fakeCall(answers)
  return { push: new ClosedPush(node, browser), node, browser }
}

describe('turning "When Parley is closed" on', () => {
  it('asks the permission, then the keys; subscribes with the chosen key and hands the subscription over; on, 1 of 2', async () => {
    const { push, node, browser } = setup({ getPushKeys: () => KEYS, setPushSubscription: () => ON })
    await push.toggle(true)
    expect(browser.log).toEqual(['permission', `subscribe ${toBase64Url(KEY)}`])
    expect(node.calls.map(c => c.method)).toEqual(['getPushKeys', 'setPushSubscription'])
    expect(node.calls[1]?.params).toEqual({ endpoint: browser.held?.endpoint, p256dh: browser.held?.p256dh, auth: browser.held?.auth, applicationServerKey: KEY })
    expect(push.view).toEqual({ state: { kind: 'on', covered: 1, total: 2, otherKey: 1 }, relays: [{ relay: 'R1', state: 'registered' }, { relay: 'R2', state: 'other-key' }], error: '', busy: false, names: false })
  })

  it('stops at a denied permission: nothing asked, nothing subscribed', async () => {
    const { push, node, browser } = setup({}, new FakeBrowser('denied'))
    await push.toggle(true)
    expect(browser.log).toEqual(['permission'])
    expect(node.calls).toEqual([])
    expect(push.view.state).toEqual({ kind: 'denied' })
  })

  it('says when the relays have push off, or there is no relay yet, and subscribes nothing', async () => {
    const off = setup({ getPushKeys: () => ({ relays: [{ relay: 'R1', state: 'off' }, { relay: 'R2', state: 'unsupported' }] }) })
    await off.push.toggle(true)
    expect(off.push.view).toMatchObject({ state: { kind: 'off' }, problem: 'relays-off' })
    expect(off.browser.log).toEqual(['permission'])
    const none = setup({ getPushKeys: () => ({ relays: [] }) })
    await none.push.toggle(true)
    expect(none.push.view).toMatchObject({ state: { kind: 'off' }, problem: 'no-relays' })
  })

  it('drops a browser subscription made with another key first', async () => {
    const browser = new FakeBrowser()
    browser.held = { endpoint: 'https://push.example.net/wpush/v2/old', p256dh: point(), auth: new Uint8Array(16), applicationServerKey: OTHER }
    const { push } = setup({ getPushKeys: () => KEYS, setPushSubscription: () => ON }, browser)
    await push.toggle(true)
    expect(browser.log).toEqual(['permission', 'unsubscribe', `subscribe ${toBase64Url(KEY)}`])
    expect(push.view.state.kind).toBe('on')
  })

  it('drops the subscription again when the node refuses it, and says why in English and in Russian', async () => {
    const refuse = (): never => { throw new InvalidPushSubscriptionError('pushEndpointInvalid', { max: 1024 }) }
    const { push, browser } = setup({ getPushKeys: () => KEYS, setPushSubscription: refuse })
    await push.toggle(true)
    expect(browser.log).toEqual(['permission', `subscribe ${toBase64Url(KEY)}`, 'unsubscribe'])
    expect(push.view).toMatchObject({ state: { kind: 'off' }, problem: 'failed' })
    expect(push.view.error).toBe('The browser gave a push address Parley cannot use: it must be a web address of at most 1024 bytes.')
    setLocale('ru')
    await push.toggle(true)
    expect(push.view.error).toBe('Браузер выдал адрес для уведомлений, который Parley не может использовать: это должен быть веб-адрес не длиннее 1024 байт.')
  })
})

describe('"Show names in notifications"', () => {
  it('asks the node, and shows what it keeps', async () => {
    const { push, node } = setup({ getPushKeys: () => KEYS, setPushSubscription: () => ON, setPushNames: (params) => ({ ...ON, names: params.on }) })
    await push.toggle(true)
    expect(push.view.names).toBe(false)
    await push.setNames(true)
    expect(node.calls.at(-1)).toEqual({ method: 'setPushNames', params: { on: true } })
    expect(push.view).toMatchObject({ names: true, busy: false, state: { kind: 'on' } })
  })

  it('a failure leaves the setting as it was, and says so apart from turning push on', async () => {
    const refuse = (): never => { throw new Error('the node stopped') }
    const { push } = setup({ getPushKeys: () => KEYS, setPushSubscription: () => ON, setPushNames: refuse })
    await push.toggle(true)
    await push.setNames(true)
    expect(push.view).toMatchObject({ names: false, busy: false, problem: 'names-failed', state: { kind: 'on' } })
  })
})

describe('turning it off, and reading it', () => {
  it('off unsubscribes the browser and hands null to the node', async () => {
    const { push, node, browser } = setup({ getPushKeys: () => KEYS, setPushSubscription: (params) => params === null ? OFF : ON })
    await push.toggle(true)
    await push.toggle(false)
    expect(browser.log.slice(-1)).toEqual(['unsubscribe'])
    expect(node.calls.at(-1)).toEqual({ method: 'setPushSubscription', params: null })
    expect(push.view).toEqual({ state: { kind: 'off' }, relays: [], error: '', busy: false, names: false })
  })

  it('reads on with its counts; a subscription the browser lost is handed back as null, not when there is no registration to ask', async () => {
    const browser = new FakeBrowser()
    browser.state = 'granted'
    browser.held = { endpoint: 'https://push.example.net/wpush/v2/held', p256dh: point(), auth: new Uint8Array(16), applicationServerKey: KEY }
    const held = setup({ getPushStatus: () => ON }, browser)
    await held.push.load()
    expect(held.push.view.state).toEqual({ kind: 'on', covered: 1, total: 2, otherKey: 1 })

    const lost = setup({ getPushStatus: () => ON, setPushSubscription: () => OFF }, new FakeBrowser())
    await lost.push.load()
    expect(lost.node.calls).toEqual([{ method: 'getPushStatus', params: undefined }, { method: 'setPushSubscription', params: null }])
    expect(lost.push.view.state).toEqual({ kind: 'off' })

    // no registration to ask yet: the node's subscription is left as it is
    const unknown = new FakeBrowser()
    unknown.state = 'granted'
    unknown.held = undefined
    const early = setup({ getPushStatus: () => ON }, unknown)
    await early.push.load()
    expect(early.node.calls.map(c => c.method)).toEqual(['getPushStatus'])
    expect(early.push.view.state).toMatchObject({ kind: 'on', covered: 1 })
  })

  it('is unsupported without PushManager, asking nothing; off with a blocked permission reads as denied', async () => {
    const browser = new FakeBrowser()
    browser.supported = false
    const none = setup({}, browser)
    await none.push.load()
    await none.push.toggle(true)
    expect(none.push.view.state).toEqual({ kind: 'unsupported' })
    expect(none.node.calls).toEqual([])
    expect(browser.log).toEqual([])

    const blocked = new FakeBrowser()
    blocked.state = 'denied'
    const denied = setup({ getPushStatus: () => OFF }, blocked)
    await denied.push.load()
    expect(denied.push.view.state).toEqual({ kind: 'denied' })
  })
})

/**
 * Settings → Notifications → "When Parley is closed" (issue 59): whether the
 * relays wake this browser by Web Push. Off until the person turns it on.
 *
 * On: the browser's permission is asked at that moment; the node asks its
 * relays for their VAPID keys (`getPushKeys`) and names the one to subscribe
 * with; the service worker's registration subscribes with it
 * (`userVisibleOnly`); the node registers the subscription with the relays
 * that have that key (`setPushSubscription`). Off: the browser unsubscribes
 * and the node removes it from the relays (`setPushSubscription(null)`).
 * The status is a code the widget words: on (N of M relays hold it), off,
 * not supported here, permission denied, relays with push off.
 *
 * "Show names in notifications" (`setNames`, off until turned on): whether
 * the service worker names the chat a push's hints say; kept by the node
 * (`setPushNames`), read by the service worker.
 */
import { fromBase64Url } from '@parley/protocol/base64'
import { handleError } from '../i18n/handle-error.ts'
import type { PushRelayStatus, PushStatus } from '../contract/index.ts'
import type { BrowserPushSubscription, PushBrowser } from '../pwa/push-browser.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** On or off, or why it cannot be on (the widget, ui/closed-push-view.ts, declares what it shows; these fit). */
export type ClosedPushState =
  | { kind: 'loading' | 'unsupported' | 'denied' | 'off' }
  | { kind: 'on', covered: number, total: number, otherKey: number }

/** Why the last turning on did not happen: no relay sends push, no relay yet, or a failure (in words in `error`). */
export type ClosedPushProblem = 'relays-off' | 'no-relays' | 'failed' | 'names-failed'

export interface ClosedPushView {
  state: ClosedPushState
  /** per relay, while on: what it holds of the subscription */
  relays: ReadonlyArray<Pick<PushRelayStatus, 'relay' | 'state' | 'code'>>
  problem?: ClosedPushProblem
  error: string
  busy: boolean
  names: boolean
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

function onState (status: PushStatus): ClosedPushState {
  const count = (state: PushRelayStatus['state']): number => status.relays.filter(r => r.state === state).length
  return { kind: 'on', covered: count('registered'), total: status.relays.length, otherKey: count('other-key') }
}

export class ClosedPush {
  readonly #node: Pick<NodeManager, 'call'>
  readonly #browser: PushBrowser
  #view = $state.raw<ClosedPushView>({ state: { kind: 'loading' }, relays: [], error: '', busy: false, names: false })

  constructor (node: Pick<NodeManager, 'call'>, browser: PushBrowser) {
    this.#node = node
    this.#browser = browser
  }

  get view (): ClosedPushView {
    return this.#view
  }

  #set (state: ClosedPushState, problem?: ClosedPushProblem, error = '', status?: PushStatus): void {
    const relays = status?.relays.map(({ relay, state: held, code }) => ({ relay, state: held, ...(code === undefined ? {} : { code }) })) ?? []
    this.#view = { state, relays, ...(problem === undefined ? {} : { problem }), error, busy: false, names: status?.names ?? this.#view.names }
  }

  #offState (): ClosedPushState {
    return { kind: this.#browser.permission() === 'denied' ? 'denied' : 'off' }
  }

  /**
   * Reads what the node holds. A subscription the node holds that the
   * browser's registration no longer has (unsubscribed elsewhere, permission
   * withdrawn) is handed back as null, so no relay keeps pushing to it; with
   * no registration to ask (not registered yet), nothing is changed.
   */
  async load (): Promise<void> {
    if (!this.#browser.supported) { this.#set({ kind: 'unsupported' }); return }
    try {
      const status = await this.#node.call('getPushStatus')
      if (!status.enabled) { this.#set(this.#offState(), undefined, '', status); return }
      const held = await this.#browser.current()
      if (held === null || (held !== undefined && this.#browser.permission() !== 'granted')) {
        await this.#node.call('setPushSubscription', null)
        this.#set(this.#offState())
        return
      }
      this.#set(onState(status), undefined, '', status)
    } catch (err) {
      this.#set(this.#offState(), 'failed', handleError(err, 'read the push status'))
    }
  }

  /** Turns it on (call from a click: the permission prompt needs one) or off. */
  async toggle (on: boolean): Promise<void> {
    if (this.#view.busy) return
    this.#view = { ...this.#view, busy: true }
    if (on) await this.#turnOn()
    else await this.#turnOff()
  }

  /** "Show names in notifications" on or off. */
  async setNames (on: boolean): Promise<void> {
    if (this.#view.busy) return
    const before = this.#view
    this.#view = { ...before, busy: true }
    try {
      const status = await this.#node.call('setPushNames', { on })
      this.#view = { ...before, names: status.names, busy: false }
    } catch (err) {
      this.#view = { ...before, problem: 'names-failed', error: handleError(err, 'change names in notifications'), busy: false }
    }
  }

  async #turnOn (): Promise<void> {
    if (!this.#browser.supported) { this.#set({ kind: 'unsupported' }); return }
    let subscribed: BrowserPushSubscription | undefined
    try {
      if (await this.#browser.requestPermission() !== 'granted') { this.#set(this.#offState()); return }
      const keys = await this.#node.call('getPushKeys')
      if (keys.key === undefined) { this.#set({ kind: 'off' }, keys.relays.length === 0 ? 'no-relays' : 'relays-off'); return }
      const key = fromBase64Url(keys.key.vapidKey)
      const held = await this.#browser.current() ?? null
      // a browser holds one subscription per service worker, bound to its key: one with another key goes first
      const same = held !== null && held.applicationServerKey !== null && sameBytes(held.applicationServerKey, key)
      if (held !== null && !same) await this.#browser.unsubscribe()
      subscribed = same ? held : await this.#browser.subscribe(key)
      const status = await this.#node.call('setPushSubscription', { endpoint: subscribed.endpoint, p256dh: subscribed.p256dh, auth: subscribed.auth, applicationServerKey: key })
      this.#set(onState(status), undefined, '', status)
    } catch (err) {
      const error = handleError(err, 'turn on push when Parley is closed')
      // nothing half on: a subscription the node did not take is dropped again
      if (subscribed !== undefined) await this.#browser.unsubscribe().catch((e: unknown) => { console.error('parley: could not unsubscribe', e) })
      this.#set(this.#offState(), 'failed', error)
    }
  }

  async #turnOff (): Promise<void> {
    try {
      await this.#browser.unsubscribe()
    } catch (err) {
      // the relays forget it anyway once its push service answers 404/410
      console.error('parley: could not unsubscribe from push', err)
    }
    try {
      await this.#node.call('setPushSubscription', null)
      this.#set(this.#offState())
    } catch (err) {
      this.#set(this.#offState(), 'failed', handleError(err, 'turn off push when Parley is closed'))
    }
  }

  reset (): void {
    this.#view = { state: { kind: 'loading' }, relays: [], error: '', busy: false, names: false }
  }
}

/**
 * Linking a device (issue 58), in this tab: the node's one link at a time
 * (contract/methods/link.ts), as one side sees it. The welcome screen's
 * "Link to an existing Parley" holds a manager of the new device
 * (`role: 'new'`); Settings → Linked devices holds one of the existing
 * device (`role: 'existing'`). Each reads where the link stands at start
 * (`getLink`: a tab opened mid-link shows it), then follows the node's `link`
 * events; the methods' answers are views too, applied as they come (the
 * port keeps the worker's order, so the last one applied is the newest).
 *
 * A view of the other role is not this screen's and is not shown. A link
 * that has finished (done or ended) is shown only when it was seen under
 * way here or started here, and until `dismiss`, so that its outcome can be
 * read: not one that ended before the tab opened, nor one cancelled here.
 * Cancelling is always possible, even while a start or a dial is under way:
 * the older call's answer is then dropped. The QR code's expiry runs on an
 * injected clock.
 */
import type { LinkView } from '../contract/link-types.ts'
import { LINK_QR_CHARS } from '../contract/methods/link.ts'
import { handleError } from '../i18n/handle-error.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** What the manager needs of the node (tests pass a fake). */
export type LinkNode = Pick<NodeManager, 'call' | 'onLink' | 'refresh'>

/** Which side of a link a screen shows. */
export type LinkRole = LinkView['role']

/** Time, and a timer, for the QR code's expiry (tests pass a manual one). */
export interface LinkClock {
  now: () => number
  /** calls `fn` once after `ms`; returns what cancels it */
  after: (ms: number, fn: () => void) => () => void
}

/** Longest a browser timer may wait (2^31 − 1 ms); a later expiry is looked at again then. */
const MAX_TIMER_MS = 2_147_483_647

const browserClock: LinkClock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms)
    return () => { clearTimeout(timer) }
  }
}

/** Why pasted or scanned text is not sent to the node (the screen words it). */
export type QrProblem = 'empty' | 'bad-qr'

/** The text as it will be sent, or why it will not be: empty, or longer than any QR text the contract takes. */
export function checkQrText (text: string): { qr: string } | { problem: QrProblem } {
  const qr = text.trim()
  if (qr === '') return { problem: 'empty' }
  if (qr.length > LINK_QR_CHARS) return { problem: 'bad-qr' }
  return { qr }
}

/** Phases in which a link is under way (not 'done' or 'ended'). */
export function linkUnderWay (view: LinkView | null | undefined): boolean {
  return view != null && view.phase !== 'done' && view.phase !== 'ended'
}

export class LinkManager {
  readonly #node: LinkNode
  readonly #role: LinkRole
  readonly #clock: LinkClock
  #view = $state.raw<LinkView | null>(null)
  #loaded = $state(false)
  #busy = $state(false)
  #error = $state('')
  #problem = $state<QrProblem | undefined>(undefined)
  #scanning = $state(false)
  #expired = $state(false)
  #stopExpiry: (() => void) | undefined
  /** finished views are not shown (none seen under way yet, or the person cancelled or dismissed): see #apply */
  #quiet = true
  /** bumped by each call: an older call's answer is dropped */
  #generation = 0
  readonly #off: () => void
  #disposed = false

  /** `role`: the side this screen shows; `clock`: the browser's unless given (tests). */
  constructor (node: LinkNode, role: LinkRole, clock: LinkClock = browserClock) {
    this.#node = node
    this.#role = role
    this.#clock = clock
    this.#off = node.onLink((view) => { this.#apply(view) })
    node.call('getLink').then((view) => { this.#apply(view) }, (err: unknown) => {
      this.#error = handleError(err, 'getLink')
    }).finally(() => { this.#loaded = true })
  }

  /** Where this side's link stands; null when none is under way here (or it was dismissed). */
  get view (): LinkView | null { return this.#view }
  /** False until the node said where the link stands. */
  get loaded (): boolean { return this.#loaded }
  /** A call to the node is under way. */
  get busy (): boolean { return this.#busy }
  /** Why the last call failed, in words; '' when it did not. */
  get error (): string { return this.#error }
  /** Existing device: why the text given was not sent (the screen words it). */
  get problem (): QrProblem | undefined { return this.#problem }
  /** Existing device: the scan-or-paste step is open. */
  get scanning (): boolean { return this.#scanning }
  /** New device: the QR code shown has expired (a new one is made on request). */
  get expired (): boolean { return this.#expired }
  /** A link is under way (not done, not ended). */
  get underWay (): boolean { return linkUnderWay(this.#view) }

  #apply (given: LinkView | null): void {
    if (this.#disposed) return
    if (given !== null && given.role !== this.#role) return
    // the new device now has the account: the status says so, and the app opens
    if (given?.role === 'new' && given.phase === 'done') void this.#node.refresh()
    if (linkUnderWay(given)) this.#quiet = false
    const view = this.#quiet ? null : given
    this.#view = view
    this.#watchExpiry()
    if (view !== null && view.phase !== 'ended') this.#scanning = false
  }

  /** The QR code is shown until `expiresAt`; then `expired`, and a new one is asked for. */
  #watchExpiry (): void {
    this.#stopExpiry?.()
    this.#stopExpiry = undefined
    const view = this.#view
    const expiresAt = view?.phase === 'waiting' ? view.expiresAt : undefined
    if (expiresAt === undefined) {
      this.#expired = false
      return
    }
    const left = expiresAt - this.#clock.now()
    this.#expired = left <= 0
    if (left > 0) this.#stopExpiry = this.#clock.after(Math.min(left, MAX_TIMER_MS), () => { this.#watchExpiry() })
  }

  /** One call to the node; `always`: even while another is under way (whose answer is then dropped). */
  async #run (method: string, work: () => Promise<LinkView | null>, always = false): Promise<void> {
    if (this.#busy && !always) return
    const mine = ++this.#generation
    this.#busy = true
    this.#error = ''
    try {
      const view = await work()
      if (mine === this.#generation) this.#apply(view)
    } catch (err) {
      const words = handleError(err, method)
      if (mine === this.#generation && !this.#disposed) this.#error = words
    } finally {
      if (mine === this.#generation) this.#busy = false
    }
  }

  /** New device: a new key and QR code (again after it expired or the link ended). */
  async start (): Promise<void> {
    this.#quiet = false
    await this.#run('linkAsNewDevice', async () => this.#node.call('linkAsNewDevice'))
  }

  /** New device, after 'done': asks the node where it stands, so the app opens (it also does so by itself). */
  async enter (): Promise<void> {
    await this.#node.refresh()
  }

  /** Existing device: opens the step that scans or pastes the new device's code. */
  open (): void {
    if (this.underWay) return
    this.#scanning = true
    this.#problem = undefined
    this.#error = ''
    this.#view = null
  }

  /** Existing device: closes that step without linking. */
  close (): void {
    this.#scanning = false
    this.#problem = undefined
  }

  /** Existing device: links the new device whose QR text was scanned or pasted; text that cannot be one is not sent. */
  async link (text: string): Promise<void> {
    const checked = checkQrText(text)
    if ('problem' in checked) {
      this.#problem = checked.problem
      return
    }
    this.#problem = undefined
    this.#quiet = false
    await this.#run('linkDevice', async () => this.#node.call('linkDevice', { qr: checked.qr }))
  }

  /** Existing device, phase 'confirm': the codes on both screens are the same (link) or not (the link ends). */
  async confirm (same: boolean): Promise<void> {
    await this.#run('confirmLink', async () => this.#node.call('confirmLink', { same }))
  }

  /** Either device: stops the link under way (or being started); nothing stored changes, and nothing is left shown. */
  async cancel (): Promise<void> {
    this.#quiet = true
    this.#scanning = false
    this.#problem = undefined
    this.#view = null
    this.#watchExpiry()
    await this.#run('cancelLink', async () => this.#node.call('cancelLink'), true)
  }

  /** Forgets a finished link's outcome here (the node keeps it for getLink). */
  dismiss (): void {
    if (this.underWay) return
    this.#quiet = true
    this.#view = null
    this.#error = ''
    this.#problem = undefined
    this.#watchExpiry()
  }

  /** Stops following the node (the screen went away). */
  dispose (): void {
    this.#disposed = true
    this.#off()
    this.#stopExpiry?.()
    this.#stopExpiry = undefined
  }
}

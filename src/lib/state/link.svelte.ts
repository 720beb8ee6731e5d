/**
 * Linking a device (issue 58), in this tab: the node's one link at a time
 * (contract/methods/link.ts), as one side sees it. The welcome screen's
 * "Link to an existing Parley" holds a manager of the new device
 * (`role: 'new'`); Settings → Linked devices holds one of the existing
 * device (`role: 'existing'`). Each reads where the link stands at start
 * (`getLink`: a tab opened mid-link shows it), then follows the node's `link`
 * events; the methods' answers are views too, applied as they come.
 *
 * Every view names its run (LinkView.id). The screen follows one run: the
 * one it started, or one it saw under way; a view of any other run is not
 * shown, so a stale view of an earlier run (a late answer, an end told after
 * a new run began) is never taken for the current one. A view of the other
 * role is not this screen's either. A finished run (done or ended) stays
 * shown until `dismiss`, so that its outcome can be read; one that ended
 * before the tab opened is not shown, nor one cancelled here. Cancelling is
 * always possible, even while a start or a dial is under way: the older
 * call's answer is then dropped. The QR code's expiry runs on an injected
 * clock. Text given as a code is checked here first and told apart by its
 * form: text that starts as every offer does (`parley-link:`) is sent as a
 * scanned offer, twelve characters of the short code's alphabet whose check
 * character matches as a typed short code (a typo is named, not sent), and
 * an invite link or other text is named.
 */
import type { LinkView } from '../contract/link-types.ts'
import { INVITE_LINK_PATH, SHORT_LINK_PATH, undoPercentEncoding } from '../contract/invite-link.ts'
import { LINK_QR_CHARS, LINK_QR_PREFIX } from '../contract/methods/link.ts'
import { MAX_SHORT_CODE_INPUT_CHARS, ShortCodeError, parseShortCode } from '@parley/protocol/link-code/short-code'
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

/**
 * Why pasted, typed or scanned text is not sent to the node (the screen
 * words it): nothing given; an invite link (to add a contact), not a code;
 * other text that is neither an offer (`parley-link:`) nor a short code; an
 * offer longer than any the contract takes; a short code with a typo (its
 * check character does not match, or letters and digits of another count).
 */
export type QrProblem = 'empty' | 'invite' | 'not-code' | 'bad-qr' | 'bad-code'

/** Latin letters and digits, a digit among them, of about a short code's length (hyphens and spaces aside): meant as one. */
const CODE_LIKE = /^(?=.*\d)[0-9A-Za-z]{8,16}$/

/**
 * The text as it will be sent, told apart by its form: a scanned or pasted
 * offer (`qr`), a typed short code in its canonical form (`code`); or why
 * it will not be sent.
 */
export function checkQrText (text: string): { qr: string } | { code: string } | { problem: QrProblem } {
  const qr = text.trim()
  if (qr === '') return { problem: 'empty' }
  if (qr.startsWith(LINK_QR_PREFIX)) return qr.length > LINK_QR_CHARS ? { problem: 'bad-qr' } : { qr }
  if (qr.length <= MAX_SHORT_CODE_INPUT_CHARS) {
    try {
      return { code: parseShortCode(qr) }
    } catch (err) {
      if (!(err instanceof ShortCodeError)) throw err
      if (err.problem === 'check' || CODE_LIKE.test(qr.replace(/[\s-]/g, ''))) return { problem: 'bad-code' }
    }
  }
  const plain = undoPercentEncoding(qr.slice(0, LINK_QR_CHARS))
  return { problem: plain.includes(INVITE_LINK_PATH) || plain.includes(SHORT_LINK_PATH) ? 'invite' : 'not-code' }
}

/** Runs cancelled or dismissed here that are remembered, so that none of their views shows again. */
const MAX_DROPPED_RUNS = 8

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
  /** the run this screen shows (started here, or seen under way); undefined: none */
  #following: string | undefined
  /** runs cancelled or dismissed here (the last MAX_DROPPED_RUNS): never shown again */
  readonly #dropped: string[] = []
  /** a cancel is under way: no run is taken up until its answer names the run it ended */
  #cancelling = false
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

  /** A view from the node: shown when it is of the run this screen follows (`follow`: the answer to a start here, which it now follows). */
  #apply (given: LinkView | null, follow = false): void {
    if (this.#disposed || given === null || given.role !== this.#role) return
    // the new device now has the account: the status says so, and the app opens
    if (given.role === 'new' && given.phase === 'done') void this.#node.refresh()
    if (this.#dropped.includes(given.id)) return
    if (follow || (linkUnderWay(given) && !this.#cancelling)) this.#following = given.id
    if (given.id !== this.#following) return
    this.#view = given
    this.#watchExpiry()
    if (given.phase !== 'ended') this.#scanning = false
  }

  /** Never shows `run` again (cancelled or dismissed here). */
  #drop (run: string | undefined): void {
    if (run === undefined || this.#dropped.includes(run)) return
    this.#dropped.push(run)
    if (this.#dropped.length > MAX_DROPPED_RUNS) this.#dropped.shift()
    if (this.#following === run) this.#following = undefined
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

  /**
   * One call to the node; `always`: even while another is under way (whose
   * answer is then dropped); `follow`: its answer is of the run it started.
   */
  async #run (method: string, work: () => Promise<LinkView | null>, { always = false, follow = false } = {}): Promise<void> {
    if (this.#busy && !always) return
    const mine = ++this.#generation
    this.#busy = true
    this.#error = ''
    try {
      const view = await work()
      if (mine === this.#generation) this.#apply(view, follow)
    } catch (err) {
      const words = handleError(err, method)
      if (mine === this.#generation && !this.#disposed) this.#error = words
    } finally {
      if (mine === this.#generation) this.#busy = false
    }
  }

  /** New device: a new key and QR code (again after it expired or the link ended). */
  async start (): Promise<void> {
    await this.#run('linkAsNewDevice', async () => this.#node.call('linkAsNewDevice'), { follow: true })
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
    this.#following = undefined
  }

  /** Existing device: closes that step without linking. */
  close (): void {
    this.#scanning = false
    this.#problem = undefined
  }

  /** Existing device: links the new device whose offer was scanned or pasted, or whose short code was typed; text that cannot be either is not sent. */
  async link (text: string): Promise<void> {
    const checked = checkQrText(text)
    if ('problem' in checked) {
      this.#problem = checked.problem
      return
    }
    this.#problem = undefined
    if ('code' in checked) {
      await this.#run('linkByCode', async () => this.#node.call('linkByCode', { code: checked.code }), { follow: true })
      return
    }
    await this.#run('linkDevice', async () => this.#node.call('linkDevice', { qr: checked.qr }), { follow: true })
  }

  /** Existing device, phase 'confirm': the codes on both screens are the same (link) or not (the link ends). */
  async confirm (same: boolean): Promise<void> {
    await this.#run('confirmLink', async () => this.#node.call('confirmLink', { same }))
  }

  /** Either device: stops the link under way (or being started); nothing stored changes, and nothing is left shown. */
  async cancel (): Promise<void> {
    this.#drop(this.#following)
    this.#following = undefined
    this.#scanning = false
    this.#problem = undefined
    this.#view = null
    this.#watchExpiry()
    this.#cancelling = true
    try {
      await this.#run('cancelLink', async () => {
        const ended = await this.#node.call('cancelLink')
        // the run it ended (one started here whose answer has not come yet, too)
        this.#drop(ended?.id)
        return ended
      }, { always: true })
    } finally {
      this.#cancelling = false
    }
  }

  /** Forgets a finished link's outcome here (the node keeps it for getLink). */
  dismiss (): void {
    if (this.underWay) return
    this.#drop(this.#following)
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

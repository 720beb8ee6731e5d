/**
 * Linking a device (issue 58; docs/protocols.md, "Linking a device"): the
 * one link this worker runs at a time, in either role, and what every tab
 * sees of it (a LinkView, told as `link` events; getLink reads the last).
 * The new device's side is new-device.ts, the existing device's
 * existing-device.ts; both drive the protocol's pure state machines, whose
 * deadlines run on the clock given here: a timer wakes them at the
 * deadline (`tick()` wakes them at once, for tests that move the clock).
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { errorClass } from '../../contract/errors.ts'
import { eraseCopy } from '../../db/erase-copy.ts'
import { ProfileExistsError } from '../../db/errors.ts'
import type { LinkEndReason, LinkView } from '../../contract/link-types.ts'
import type { LinkComponents, RunHost } from './host.ts'
import type { Logger, Startable } from '@libp2p/interface'

export interface LinkInit {
  /** the clock the protocol's deadlines run on (tests move it) */
  now?: () => number
  /** how long the new device waits for a relay reservation before it says `unreachable`, in ms */
  reservationTimeoutMs?: number
}

interface Run {
  readonly view: LinkView
  readonly over: boolean
  cancel(): Promise<void>
  tick(): Promise<void>
  /** the existing device's run only: the person's word on the codes */
  confirm?: (same: boolean) => Promise<void>
}

/**
 * Each side's code is a chunk of the worker's own, loaded when a link starts
 * (issue 60): most nodes never link, and those that do, once.
 */
const loadNewDevice = async (): Promise<typeof import('./new-device.ts')> => await import('./new-device.ts')
const loadExisting = async (): Promise<typeof import('./existing-device.ts')> => await import('./existing-device.ts')

/** Waits on a deadline longer than this are woken in steps (setTimeout's limit is 2^31 − 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** linkInstead refused: `notRestoredCopy` (this copy was not restored from a backup while the account runs elsewhere). */
export const LinkInsteadError = errorClass('LinkInsteadError')

/** A new LinkView id: 8 random bytes in hex (unique across the worker's restarts too, which a counter would not be). */
export function newLinkRunId (): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(8)))
}

export class Links implements Startable {
  readonly #components: LinkComponents
  #now: () => number
  readonly #log: Logger
  readonly #reservationTimeoutMs: number
  #run: Run | undefined
  #view: LinkView | null = null
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor (components: LinkComponents, init: LinkInit = {}) {
    this.#components = components
    this.#now = init.now ?? Date.now
    this.#reservationTimeoutMs = init.reservationTimeoutMs ?? 30_000
    this.#log = components.logger.forComponent('parley:link')
  }

  start (): void {}

  /** The clock of the links started from now on (tests move theirs by hand). */
  useClock (now: () => number): void {
    this.#now = now
  }

  async stop (): Promise<void> {
    clearTimeout(this.#timer)
    const run = this.#run
    if (run !== undefined && !run.over) await run.cancel()
  }

  /** The link in progress, or the last one's end; null when none was started. */
  get view (): LinkView | null {
    return this.#view
  }

  /**
   * New device: a fresh key, a node of its own with reservations, a QR code;
   * resolves at 'waiting' (or 'ended'). Throws ProfileExistsError('profileExists')
   * where this browser has an identity already.
   */
  async linkAsNewDevice (): Promise<LinkView> {
    // loaded before the checks, so that nothing comes between a check and the run it admits
    const { NewDeviceRun } = await loadNewDevice()
    const busy = this.#busy('new')
    if (busy !== undefined) return busy
    if (this.#components.identity.profile !== undefined) throw new ProfileExistsError('profileExists')
    const run = new NewDeviceRun(this.#host(newLinkRunId()), { reservationTimeoutMs: this.#reservationTimeoutMs })
    this.#run = run
    await run.start()
    return run.view
  }

  /** Existing device: dials the device of the QR text and runs the link up to the person's word. */
  async linkDevice (qr: string): Promise<LinkView> {
    const { ExistingRun } = await loadExisting()
    const busy = this.#busy('existing')
    if (busy !== undefined) return busy
    const run = new ExistingRun(this.#host(newLinkRunId()))
    this.#run = run
    return run.start(qr)
  }

  /** Existing device: fetches the offer of a typed short code from the relays, then links as {@link linkDevice}. */
  async linkByCode (code: string): Promise<LinkView> {
    const { ExistingRun } = await loadExisting()
    const busy = this.#busy('existing')
    if (busy !== undefined) return busy
    const run = new ExistingRun(this.#host(newLinkRunId()))
    this.#run = run
    return run.startFromCode(code)
  }

  /** Existing device, at 'confirm': the codes are the same (grant), or not ('mismatch'). */
  async confirm (same: boolean): Promise<LinkView> {
    const run = this.#run
    if (run?.confirm === undefined || run.over) return this.#view ?? { id: newLinkRunId(), role: 'existing', phase: 'ended', reason: 'invalid' }
    await run.confirm(same)
    return run.view
  }

  /** Either side: stops the link in progress; nothing stored changes. */
  async cancel (): Promise<LinkView | null> {
    const run = this.#run
    if (run !== undefined && !run.over) await run.cancel()
    return this.#view
  }

  /**
   * A copy restored from a backup while the account runs elsewhere gives way
   * (issue 58, increment 9): the node stops, the copy is erased (db/erase-copy.ts:
   * its key first of all, so this browser holds no second copy of the account
   * key) and the worker starts again with no identity, to be linked as a new
   * device. Any other copy is refused, and nothing is erased.
   */
  async linkInstead (): Promise<void> {
    const { status, kernel, db } = this.#components
    if (status.current.elsewhere?.restored !== true) throw new LinkInsteadError('notRestoredCopy')
    this.#log('this restored copy gives way to the one running elsewhere: erasing it, to link this browser instead')
    await kernel.restart(async () => { await eraseCopy(db) })
  }

  /** Wakes the run's machine now: what its deadline would do, if the clock says it has come. */
  async tick (): Promise<void> {
    await this.#run?.tick()
  }

  /** A link in progress refuses another: the second caller sees 'busy' (an answer of no run: an id of its own), the first goes on. */
  #busy (role: LinkView['role']): LinkView | undefined {
    if (this.#run === undefined || this.#run.over) return undefined
    return { id: newLinkRunId(), role, phase: 'ended', reason: 'busy' satisfies LinkEndReason }
  }

  #host (run: string): RunHost {
    return {
      run,
      components: this.#components,
      now: this.#now,
      log: this.#log,
      show: (view) => {
        this.#view = view
        this.#components.events.safeDispatchEvent('link', { detail: view })
      },
      wakeAt: (deadline) => {
        clearTimeout(this.#timer)
        this.#timer = undefined
        if (deadline === undefined) return
        const wait = Math.min(MAX_TIMER_MS, Math.max(0, deadline - this.#now()))
        this.#timer = setTimeout(() => { this.tick().catch((err: unknown) => { this.#log.error('waking the link failed - %e', err) }) }, wait)
      }
    }
  }
}

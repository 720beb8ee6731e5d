/**
 * A's side of a link (docs/protocols.md, "Linking a device", "State
 * machine"): the device holding the account key has read the new device's
 * QR code and opened a link stream to it. A pure state machine: it says
 * `hello`, checks the new device's, shows the code, and on the person's word
 * grants (the signed device list and the state offer) or cancels, then waits
 * for `done`.
 *
 *   start() ──▶ hello-sent ──hello, proof ok──▶ confirming ──grant()──▶ granted ──done──▶ done
 *                   │                               │                      │
 *                   └── cancel (either side), bad proof, timeout, invalid frame, closed ──▶ ended
 */
import { InvalidMessageError } from '@libp2p/interface'
import { LINK_CONFIRM_TIMEOUT_MS, LINK_FRAME_TIMEOUT_MS, LINK_HELLO_VERSION, LINK_NONCE_BYTES, LINK_STATE_TIMEOUT_MS } from './constants.ts'
import { decodeFrameFromDevice, encodeFrameFromExisting } from './frames.ts'
import { randomBytes } from './qr.ts'
import { cancelStep, ended } from './step.ts'
import { confirmationCode, proofMatches, proofOfDevice, proofOfExisting, stateKey } from './transcript.ts'
import type { LinkAgreement } from './device.ts'
import type { LinkCancelReason } from './errors.ts'
import type { FrameFromDevice, SignedDeviceList, StateOffer } from './frames.ts'
import type { LinkQr } from './qr.ts'
import type { LinkEnd, LinkStep } from './step.ts'
import type { LinkParties } from './transcript.ts'

export type ExistingLinkState =
  | { phase: 'new' }
  | { phase: 'hello-sent' }
  | { phase: 'confirming', agreement: LinkAgreement }
  | { phase: 'granted', agreement: LinkAgreement, state: StateOffer }
  | LinkEnd

export interface ExistingLinkInit {
  /** the QR code the person scanned or pasted */
  qr: LinkQr
  /** the account's PeerID */
  account: string
  /** the account's display name, 0..64 code points */
  name: string
  /** this device's own PeerID (the connection's local peer) */
  self: string
  /** the clock: ms since the epoch (tests move it by hand) */
  now: () => number
  /** random bytes for the nonce (default: the platform's CSPRNG) */
  random?: (bytes: number) => Uint8Array
}

export class ExistingLink {
  readonly #init: ExistingLinkInit
  readonly #random: (bytes: number) => Uint8Array
  readonly #parties: LinkParties
  #state: ExistingLinkState = { phase: 'new' }
  #deadline = Number.POSITIVE_INFINITY
  #nonce: Uint8Array | undefined

  constructor (init: ExistingLinkInit) {
    this.#init = init
    this.#random = init.random ?? randomBytes
    this.#parties = { account: init.account, existing: init.self, device: init.qr.peerId }
  }

  get state (): ExistingLinkState {
    return this.#state
  }

  /** When the current wait ends (call `tick()` then), or undefined before start() and once the run is over. */
  get deadline (): number | undefined {
    const phase = this.#state.phase
    return phase === 'new' || phase === 'done' || phase === 'ended' ? undefined : this.#deadline
  }

  /**
   * The link stream is open to `remote` (the PeerID Noise proved): A's
   * `hello`. A stream to any other peer than the QR code's ends the run
   * with `wrong-peer`, unsent.
   */
  start (remote: string): LinkStep {
    if (this.#state.phase !== 'new') throw new Error(`start() in phase ${this.#state.phase}`)
    if (remote !== this.#init.qr.peerId || this.#init.self === this.#init.qr.peerId) {
      this.#state = ended('wrong-peer')
      return { end: 'reset' }
    }
    const nonce = this.#random(LINK_NONCE_BYTES)
    const send = encodeFrameFromExisting({
      type: 'hello',
      v: LINK_HELLO_VERSION,
      account: this.#init.account,
      name: this.#init.name,
      nonce,
      proof: proofOfExisting(this.#init.qr.secret, this.#parties, nonce)
    })
    this.#nonce = nonce
    this.#state = { phase: 'hello-sent' }
    this.#deadline = this.#init.now() + LINK_FRAME_TIMEOUT_MS
    return { send }
  }

  /** A frame the new device wrote. */
  receive (bytes: Uint8Array): LinkStep {
    const late = this.tick()
    if (late.send !== undefined) return late
    const state = this.#state
    if (state.phase === 'done' || state.phase === 'ended') return { end: 'close' }
    if (state.phase === 'new') throw new Error('receive() before start()')
    let frame: FrameFromDevice
    try {
      frame = decodeFrameFromDevice(bytes)
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err
      return this.#fail('invalid', err.message)
    }
    if (frame.type === 'cancel') {
      this.#state = ended(frame.reason, true)
      return { end: 'close' }
    }
    if (frame.type === 'hello' && state.phase === 'hello-sent' && this.#nonce !== undefined) {
      const secret = this.#init.qr.secret
      if (!proofMatches(frame.proof, proofOfDevice(secret, this.#parties, this.#nonce, frame.nonce))) return this.#fail('bad-proof')
      const agreement: LinkAgreement = {
        parties: this.#parties,
        name: this.#init.name,
        code: confirmationCode(secret, this.#parties, this.#nonce, frame.nonce),
        stateKey: stateKey(secret, this.#parties, this.#nonce, frame.nonce)
      }
      this.#state = { phase: 'confirming', agreement }
      this.#deadline = this.#init.now() + LINK_CONFIRM_TIMEOUT_MS
      return {}
    }
    if (frame.type === 'done' && state.phase === 'granted') {
      this.#state = { phase: 'done' }
      return { end: 'close' }
    }
    return this.#fail('invalid', `a "${frame.type}" frame in phase ${state.phase}`)
  }

  /**
   * The person confirmed the code on A: `granted`, with the signed device
   * list that now holds the new device and the offer of the account's state
   * (a keyed file under the agreement's `stateKey`).
   */
  grant (list: SignedDeviceList, state: StateOffer): LinkStep {
    const late = this.tick()
    if (late.send !== undefined || this.#state.phase === 'ended' || this.#state.phase === 'done') return late
    if (this.#state.phase !== 'confirming') throw new Error(`grant() in phase ${this.#state.phase}: only while confirming`)
    const send = encodeFrameFromExisting({ type: 'granted', list, state })
    this.#state = { phase: 'granted', agreement: this.#state.agreement, state }
    this.#deadline = this.#init.now() + LINK_STATE_TIMEOUT_MS
    return { send }
  }

  /**
   * The app stops the run: the person declined (`declined`) or said the
   * codes differ (`mismatch`), the account is `full`, this device is `busy`.
   */
  cancel (reason: LinkCancelReason): LinkStep {
    const phase = this.#state.phase
    if (phase === 'done' || phase === 'ended') return {}
    this.#state = ended(reason)
    return phase === 'new' ? {} : cancelStep('existing', reason)
  }

  /**
   * The stream ended or was reset without a `cancel`. Before `granted` that
   * ends the run; after it the new device is in the list and pulls the state
   * file on its own streams, so the run waits on for {@link delivered}.
   */
  closed (): void {
    const phase = this.#state.phase
    if (phase === 'hello-sent' || phase === 'confirming') this.#state = ended('closed')
  }

  /**
   * The file protocol's DONE for the state file came from the new device
   * (it holds the state, checked): the run is done, also when the link
   * stream went before the new device's `done`.
   */
  delivered (): void {
    if (this.#state.phase === 'granted') this.#state = { phase: 'done' }
  }

  /** Ends the run with `timeout` if its wait is over by the clock. */
  tick (): LinkStep {
    const phase = this.#state.phase
    if (phase === 'new' || phase === 'done' || phase === 'ended' || this.#init.now() < this.#deadline) return {}
    this.#state = ended('timeout')
    return cancelStep('existing', 'timeout')
  }

  #fail (reason: LinkCancelReason, detail?: string): LinkStep {
    this.#state = ended(reason, false, detail)
    return cancelStep('existing', reason)
  }
}

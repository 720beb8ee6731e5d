/**
 * The new device's side of a link (docs/protocols.md, "Linking a device",
 * "State machine"), as a pure state machine: it shows a QR code, answers at
 * most one `hello` whose proof verifies, waits for A's `granted` while the
 * person confirms on A, then for its app to hold the account's state.
 *
 *   waiting ──hello, proof ok──▶ confirming ──granted──▶ receiving ──finish()──▶ done
 *      │                             │                       │
 *      └── QR expired, or MAX_LINK_BAD_HELLOS bad ones ──────┴── cancel (either side), timeout,
 *          (ended)                                                invalid frame, stream closed ──▶ ended
 *
 * A `hello` on another stream while a run is under way, or after it, is
 * answered `cancel used`; a `hello` that does not verify changes nothing but
 * the count of bad ones.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { LINK_CONFIRM_TIMEOUT_MS, LINK_NONCE_BYTES, LINK_QR_TTL_MS, LINK_STATE_TIMEOUT_MS, MAX_LINK_BAD_HELLOS } from './constants.ts'
import { decodeFrameFromExisting, encodeFrameFromDevice } from './frames.ts'
import { randomBytes } from './qr.ts'
import { cancelStep, ended } from './step.ts'
import { confirmationCode, proofMatches, proofOfDevice, proofOfExisting, stateKey } from './transcript.ts'
import type { LinkCancelReason } from './errors.ts'
import type { FrameFromExisting, SignedDeviceList, StateOffer } from './frames.ts'
import type { LinkQr } from './qr.ts'
import type { LinkEnd, LinkStep } from './step.ts'
import type { LinkParties } from './transcript.ts'

/** What both devices agreed on once the `hello`s are exchanged. */
export interface LinkAgreement {
  parties: LinkParties
  /** the account's display name, as A's `hello` gave it (A's word until the device list verifies) */
  name: string
  /** the 6 digits both screens show */
  code: string
  /** the key of the keyed file carrying the account's state */
  stateKey: Uint8Array
}

export type DeviceLinkState =
  | { phase: 'waiting' }
  | { phase: 'confirming', agreement: LinkAgreement }
  | { phase: 'receiving', agreement: LinkAgreement, list: SignedDeviceList, state: StateOffer }
  | LinkEnd

export interface DeviceLinkInit {
  /** the QR code this device shows (its own PeerID, secret and addresses) */
  qr: LinkQr
  /** the clock: ms since the epoch (tests move it by hand) */
  now: () => number
  /** random bytes for the nonce (default: the platform's CSPRNG) */
  random?: (bytes: number) => Uint8Array
}

export class DeviceLink {
  readonly #qr: LinkQr
  readonly #now: () => number
  readonly #random: (bytes: number) => Uint8Array
  readonly #expiresAt: number
  #state: DeviceLinkState = { phase: 'waiting' }
  #deadline: number
  #badHellos = 0
  /** the PeerID of the A whose `hello` this run answered */
  #peer: string | undefined

  constructor (init: DeviceLinkInit) {
    this.#qr = init.qr
    this.#now = init.now
    this.#random = init.random ?? randomBytes
    this.#expiresAt = this.#now() + LINK_QR_TTL_MS
    this.#deadline = this.#expiresAt
  }

  get state (): DeviceLinkState {
    return this.#state
  }

  /** When the QR code stops being good (ms since the epoch). */
  get expiresAt (): number {
    return this.#expiresAt
  }

  /** When the current wait ends (call `tick()` then), or undefined once the run is over. */
  get deadline (): number | undefined {
    return this.#state.phase === 'done' || this.#state.phase === 'ended' ? undefined : this.#deadline
  }

  /** The PeerID of the A this run is with, once its `hello` was answered. */
  get peer (): string | undefined {
    return this.#peer
  }

  /**
   * The first frame on a new link stream from `remote` (the PeerID Noise
   * proved). Answers `hello` when it is the first good one, else `cancel`.
   */
  hello (remote: string, bytes: Uint8Array): LinkStep {
    // only the QR code's own expiry here: a timeout of the run under way is told on its stream, by tick()
    if (this.#state.phase === 'waiting') this.tick()
    const phase = this.#state.phase
    if (phase !== 'waiting') {
      return cancelStep('device', phase === 'ended' && this.#state.error.code === 'expired' ? 'expired' : 'used')
    }
    let frame: FrameFromExisting
    try {
      frame = decodeFrameFromExisting(bytes)
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err
      return this.#badHello('invalid')
    }
    if (frame.type !== 'hello' || frame.account === this.#qr.peerId || remote === this.#qr.peerId) return this.#badHello('invalid')
    const parties: LinkParties = { account: frame.account, existing: remote, device: this.#qr.peerId }
    if (!proofMatches(frame.proof, proofOfExisting(this.#qr.secret, parties, frame.nonce))) return this.#badHello('bad-proof')
    const nonce = this.#random(LINK_NONCE_BYTES)
    const agreement: LinkAgreement = {
      parties,
      name: frame.name,
      code: confirmationCode(this.#qr.secret, parties, frame.nonce, nonce),
      stateKey: stateKey(this.#qr.secret, parties, frame.nonce, nonce)
    }
    const send = encodeFrameFromDevice({ type: 'hello', nonce, proof: proofOfDevice(this.#qr.secret, parties, frame.nonce, nonce) })
    this.#peer = remote
    this.#state = { phase: 'confirming', agreement }
    this.#deadline = this.#now() + LINK_CONFIRM_TIMEOUT_MS
    return { send }
  }

  /** The next frame on the stream whose `hello` this run answered. */
  receive (bytes: Uint8Array): LinkStep {
    const late = this.tick()
    if (late.send !== undefined) return late
    const state = this.#state
    if (state.phase !== 'confirming' && state.phase !== 'receiving') return this.#over()
    let frame: FrameFromExisting
    try {
      frame = decodeFrameFromExisting(bytes)
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err
      return this.#fail('invalid', err.message)
    }
    if (frame.type === 'cancel') {
      this.#state = ended(frame.reason, true)
      return { end: 'close' }
    }
    if (frame.type !== 'granted' || state.phase !== 'confirming') return this.#fail('invalid', `a "${frame.type}" frame now`)
    this.#state = { phase: 'receiving', agreement: state.agreement, list: frame.list, state: frame.state }
    this.#deadline = this.#now() + LINK_STATE_TIMEOUT_MS
    return {}
  }

  /** The app holds the account's state (the list verified, the file pulled and checked): `done`. */
  finish (): LinkStep {
    const late = this.tick()
    if (late.send !== undefined || this.#state.phase === 'ended' || this.#state.phase === 'done') return late
    if (this.#state.phase !== 'receiving') throw new Error(`finish() in phase ${this.#state.phase}: only after "granted"`)
    this.#state = { phase: 'done' }
    return { send: encodeFrameFromDevice({ type: 'done' }), end: 'close' }
  }

  /**
   * The app stops the run: the person cancelled (`declined`), the list did
   * not verify (`bad-list`), the pull failed for good (`failed`). Before any
   * `hello`, the QR code is withdrawn and nothing is sent.
   */
  cancel (reason: LinkCancelReason): LinkStep {
    const phase = this.#state.phase
    if (phase === 'done' || phase === 'ended') return {}
    this.#state = ended(reason)
    return phase === 'waiting' ? {} : cancelStep('device', reason)
  }

  /**
   * The stream ended or was reset without a `cancel`. Before `granted` that
   * ends the run; after it this device is in the list and goes on pulling
   * the state (the pull resumes on its own streams), then `finish()`es.
   */
  closed (): void {
    if (this.#state.phase === 'confirming') this.#state = ended('closed')
  }

  /** Ends the run if its wait is over by the clock: the QR code expires; later waits time out. */
  tick (): LinkStep {
    const phase = this.#state.phase
    if (phase === 'done' || phase === 'ended' || this.#now() < this.#deadline) return {}
    this.#state = ended(phase === 'waiting' ? 'expired' : 'timeout')
    return phase === 'waiting' ? {} : cancelStep('device', 'timeout')
  }

  #badHello (reason: 'invalid' | 'bad-proof'): LinkStep {
    this.#badHellos++
    if (this.#badHellos >= MAX_LINK_BAD_HELLOS) this.#state = ended('used', false, `${this.#badHellos} hellos did not verify`)
    return cancelStep('device', reason)
  }

  #fail (reason: LinkCancelReason, detail: string): LinkStep {
    this.#state = ended(reason, false, detail)
    return cancelStep('device', reason)
  }

  /** A frame or call after the run is over: nothing to do but end the stream. */
  #over (): LinkStep {
    return this.#state.phase === 'done' || this.#state.phase === 'ended' ? { end: 'close' } : cancelStep('device', 'invalid')
  }
}

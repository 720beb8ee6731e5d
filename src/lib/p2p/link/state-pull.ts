/**
 * The new device's pull of the account's state file (docs/protocols.md,
 * "Linking a device", "What the app does"). Over a direct WebRTC connection
 * to the existing device where one can be made (the new device dials it over
 * the relayed one, as the app's upgrader does for contacts), else over the
 * relayed connection when the state fits what its relay allows. Chunks and
 * the hash list are kept across tries and across connections: a pull that
 * broke resumes on whatever connection comes next (the same one, a new
 * direct one, or a relayed one this device dials), MAX_PULLS tries in all.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { FileTransferError } from '@parley/protocol/file/errors'
import { relayedFileAllowance } from '@parley/protocol/file/relayed'
import { isRelayed, isWebRtc, markCarriesData } from '../kernel/connections.ts'
import { probeDirect, webRtcAddress } from '../presence/index.ts'
import type { StateOffer } from '@parley/protocol/link/frames'
import type { PeerPath } from '../kernel/connections.ts'
import type { FileService } from '../transfers/index.ts'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

/** Pulls of the state file tried in all, the first included, on whatever connections there are (a pull resumes). */
export const MAX_PULLS = 5
/** Direct WebRTC connections tried in all (each may take UPGRADE-like time to fail). */
export const MAX_DIRECT_TRIES = 2
/** One direct WebRTC dial (signalling over the relayed connection, then ICE), in ms. */
export const DIRECT_DIAL_TIMEOUT_MS = 20_000
/** One dial of the existing device (a connection that went), in ms. */
export const REDIAL_TIMEOUT_MS = 10_000
/** The pause after a try that failed, times the tries so far, in ms (a connection that just went needs a moment to come back). */
export const PULL_RETRY_MS = 1_000

/** File errors no other try or connection can help: the file itself, or what the existing device serves, is wrong. */
const FINAL: ReadonlySet<string> = new Set(['corrupt', 'mismatch', 'unknown-transfer', 'cancelled', 'bad-request'])

/**
 * No direct connection could be made and the state is bigger than a relayed
 * connection carries (its relay's data limit, or the existing device said
 * `needs-direct`): a big account cannot move this way. The run ends as
 * `too-big` here (`cancel failed` on the wire).
 */
export class StateTooBigError extends Error {
  override name = 'StateTooBigError'
}

export type PullNode = Pick<Libp2p<{ file: FileService }>, 'getConnections' | 'dial' | 'services'>

export interface StatePullInit {
  node: PullNode
  /** the existing device (A) */
  existing: PeerId
  offer: StateOffer
  /** the state key */
  key: Uint8Array
  /** false where this browser has no WebRTC: no direct connection is tried */
  webRtc: () => boolean
  /** aborted when the run ends */
  signal: AbortSignal
  log: Logger
  /** bytes held so far (of `offer.size`), and over which path the pull now goes */
  onProgress: (done: number, path: PeerPath) => void
}

export class StatePull {
  readonly #init: StatePullInit
  readonly #chunks: Array<Uint8Array | undefined>
  #received = 0
  #hashes: Uint8Array | undefined
  #directTries = 0
  /** the existing device refused the relayed connection (`needs-direct`): only a direct one will do */
  #relayRefused = false

  constructor (init: StatePullInit) {
    this.#init = init
    this.#chunks = new Array<Uint8Array | undefined>(Math.ceil(init.offer.size / init.offer.chunkSize))
  }

  /** Resolves the whole file, checked against the offer's SHA-256; throws StateTooBigError, or the last try's error. */
  async pull (): Promise<Blob> {
    const { offer, key, signal, log } = this.#init
    for (let attempt = 1; ; attempt++) {
      try {
        const connection = await this.#connection()
        const path: PeerPath = isRelayed(connection) ? 'relayed' : 'direct'
        this.#init.onProgress(this.#received, path)
        await this.#init.node.services.file.pull(connection, {
          id: offer.id,
          sha256: hexToBytes(offer.sha256),
          size: offer.size,
          chunkSize: offer.chunkSize,
          listHash: hexToBytes(offer.listHash),
          key,
          ...(this.#hashes === undefined ? {} : { hashes: this.#hashes }),
          onHashes: async (list) => { this.#hashes = list },
          missing: [...this.#chunks.keys()].filter(i => this.#chunks[i] === undefined),
          onChunk: async (index, data) => {
            if (this.#chunks[index] === undefined) this.#received += data.byteLength
            this.#chunks[index] = data.slice()
            this.#init.onProgress(this.#received, path)
          },
          verify: async () => {
            const digest = sha256(new Uint8Array(await this.#whole().arrayBuffer()))
            if (bytesToHex(digest) !== offer.sha256) throw new FileTransferError('corrupt')
          }
        }, { signal })
        return this.#whole()
      } catch (err) {
        if (err instanceof StateTooBigError || signal.aborted) throw err
        if (err instanceof FileTransferError && FINAL.has(err.code)) throw err
        if (err instanceof FileTransferError && err.code === 'needs-direct') this.#relayRefused = true
        if (attempt >= MAX_PULLS) throw err
        log('the state pull broke (try %d of %d), resuming with %d of %d bytes - %e', attempt, MAX_PULLS, this.#received, offer.size, err)
        await pause(PULL_RETRY_MS * attempt, signal)
      }
    }
  }

  #whole (): Blob {
    return new Blob(this.#chunks.filter((c): c is Uint8Array => c !== undefined) as BlobPart[])
  }

  /** A direct connection to A when there is or can be one; else a relayed one that carries the state; else StateTooBigError. */
  async #connection (): Promise<Connection> {
    const { node, existing, offer, signal } = this.#init
    const open = (): Connection[] => node.getConnections(existing).filter(c => c.status === 'open')
    const direct = open().find(c => !isRelayed(c))
    if (direct !== undefined) return direct
    const relayed = open().find(c => isRelayed(c)) ?? await node.dial(existing, { signal: AbortSignal.any([signal, AbortSignal.timeout(REDIAL_TIMEOUT_MS)]) })
    if (!isRelayed(relayed)) return relayed
    const needsDirect = this.#relayRefused || offer.size > relayedFileAllowance(relayed.limits)
    // a state the relay cannot carry: a direct dial that failed once (ICE on a busy machine) is tried again
    // before the link ends (#direct keeps to MAX_DIRECT_TRIES, and makes none without WebRTC)
    let made = await this.#direct(relayed)
    if (made === undefined && needsDirect) made = await this.#direct(relayed)
    if (made !== undefined) return made
    if (needsDirect) {
      throw new StateTooBigError(`the state (${offer.size} bytes) is bigger than the relayed connection carries, and no direct connection could be made`)
    }
    return relayed
  }

  /** A direct WebRTC connection dialled over `relayed`, once it carried a stream; undefined when none can be made. */
  async #direct (relayed: Connection): Promise<Connection | undefined> {
    const { node, existing, signal, log } = this.#init
    if (!this.#init.webRtc() || this.#directTries >= MAX_DIRECT_TRIES) return undefined
    this.#directTries++
    try {
      const made = await node.dial(webRtcAddress(relayed.remoteAddr, existing), { signal: AbortSignal.any([signal, AbortSignal.timeout(DIRECT_DIAL_TIMEOUT_MS)]) })
      if (isRelayed(made) || !isWebRtc(made)) return undefined
      if (!await probeDirect(made)) {
        made.abort(new Error('the direct connection carried no data'))
        return undefined
      }
      markCarriesData(made)
      return made
    } catch (err) {
      if (signal.aborted) throw err
      log('no direct connection to the existing device (try %d of %d) - %e', this.#directTries, MAX_DIRECT_TRIES, err)
      return undefined
    }
  }
}

/** Waits `ms`, or until `signal` is aborted (then rejects). */
async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const done = (): void => { signal.removeEventListener('abort', stop); resolve() }
    const timer = setTimeout(done, ms)
    const stop = (): void => { clearTimeout(timer); reject(signal.reason) }
    if (signal.aborted) stop()
    else signal.addEventListener('abort', stop, { once: true })
  })
}

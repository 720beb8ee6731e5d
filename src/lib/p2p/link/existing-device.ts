/**
 * The existing device's side of a link (docs/protocols.md, "Linking a
 * device"): the device holding the account key reads the new device's QR
 * code, dials it, says `hello`, shows the code, and on the person's word
 * writes the account's state file, signs the list with the new device in it
 * (stored), sends `granted` and serves the file to the new device until its
 * DONE. Before the person's word nothing is signed, stored or sent but the
 * `hello`. A typed short code is first looked up on the relays
 * (code-relays.ts); its offer then goes the same way as a scanned one.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { bytesToHex } from '@noble/hashes/utils.js'
import { DeviceListError } from '@parley/protocol/devices/list'
import { LINK_FRAME_TIMEOUT_MS, LINK_PROTOCOL } from '@parley/protocol/link/constants'
import { isLinkError } from '@parley/protocol/link/errors'
import { ExistingLink } from '@parley/protocol/link/existing'
import { parseLinkQr } from '@parley/protocol/link/qr'
import { ShortCodeError, parseShortCode } from '@parley/protocol/link-code/short-code'
import { newMessageId } from '../../db/messages.ts'
import { writeLinkState } from '../../db/link-state.ts'
import { fetchOfferByCode, relaysToAsk } from './code-relays.ts'
import { LinkStream } from './stream.ts'
import type { LinkQr } from '@parley/protocol/link/qr'
import type { LinkStep } from '@parley/protocol/link/step'
import type { LinkEndReason, LinkView } from '../../contract/link-types.ts'
import { reasonOf } from './host.ts'
import type { RunHost, RunView } from './host.ts'

export class ExistingRun {
  readonly #host: RunHost
  #view: LinkView
  #machine: ExistingLink | undefined
  #stream: LinkStream | undefined
  #withdraw: (() => void) | undefined
  #confirming = false

  constructor (host: RunHost) {
    this.#host = host
    this.#view = { id: host.run, role: 'existing', phase: 'connecting' }
  }

  get view (): LinkView {
    return this.#view
  }

  get over (): boolean {
    return this.#view.phase === 'done' || this.#view.phase === 'ended'
  }

  /** Reads the QR text, dials the new device, says `hello`; resolves at 'confirm', or 'ended'. */
  async start (text: string): Promise<LinkView> {
    const { devices, identity, libp2p } = this.#host.components
    if (!devices.holder || devices.account === undefined) return this.#end('not-holder')
    let qr: LinkQr
    try {
      qr = parseLinkQr(text)
    } catch (err) {
      if (!isLinkError(err)) throw err
      return this.#end('bad-qr')
    }
    const machine = new ExistingLink({ qr, account: devices.account, name: identity.require().username, self: libp2p.peerId.toString(), now: this.#host.now })
    this.#machine = machine
    this.#show({ role: 'existing', phase: 'connecting', device: qr.peerId })
    let stream: LinkStream
    try {
      const target = qr.addresses.length > 0 ? qr.addresses.map(a => multiaddr(a)) : peerIdFromString(qr.peerId)
      const connection = await libp2p.dial(target, { signal: AbortSignal.timeout(LINK_FRAME_TIMEOUT_MS) })
      const raw = await connection.newStream(LINK_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(LINK_FRAME_TIMEOUT_MS) })
      stream = new LinkStream(raw, this.#host.log)
      this.#stream = stream
      await stream.apply(machine.start(connection.remotePeer.toString()))
    } catch (err) {
      this.#host.log('dialling the new device %s failed - %e', qr.peerId, err)
      return this.#end('unreachable')
    }
    this.#settle()
    // the hello's answer; the rest of the stream is read on its own
    await this.#next(stream)
    if (!this.over) void this.#readOn(stream)
    return this.#view
  }

  /** Reads a typed short code, fetches its offer from the relays and goes on as {@link start} with it. */
  async startFromCode (text: string): Promise<LinkView> {
    const { devices, libp2p, relayList, served } = this.#host.components
    if (!devices.holder || devices.account === undefined) return this.#end('not-holder')
    let code: string
    try {
      code = parseShortCode(text)
    } catch (err) {
      if (!(err instanceof ShortCodeError)) throw err
      return this.#end('bad-code')
    }
    this.#show({ role: 'existing', phase: 'connecting' })
    const found = await fetchOfferByCode(libp2p, code, relaysToAsk(relayList.active(), served.relays ?? []), this.#host.log)
    if (this.over) return this.#view
    if ('reason' in found) return this.#end(found.reason)
    return this.start(found.offer)
  }

  /** The person's word at 'confirm'. */
  async confirm (same: boolean): Promise<void> {
    const machine = this.#machine
    if (machine === undefined || machine.state.phase !== 'confirming' || this.#confirming) return
    if (!same) {
      await this.#step(machine.cancel('mismatch'))
      return
    }
    this.#confirming = true
    try {
      await this.#grant(machine)
    } catch (err) {
      // the state could not be written or served: the new device is told, nothing was granted
      this.#host.log.error('granting the link failed - %e', err)
      this.#withdraw?.()
      await this.#step(machine.cancel('failed'))
    } finally {
      this.#confirming = false
    }
  }

  async cancel (): Promise<void> {
    const machine = this.#machine
    if (machine === undefined) {
      this.#end('declined')
      return
    }
    await this.#step(machine.cancel('declined'))
  }

  async tick (): Promise<void> {
    if (this.#machine !== undefined) await this.#step(this.#machine.tick())
  }

  /** The state file first (a failure signs nothing), then the list, stored, then `granted`, and the file served. */
  async #grant (machine: ExistingLink): Promise<void> {
    const state = machine.state
    if (state.phase !== 'confirming') return
    const { db, devices, transfers } = this.#host.components
    const device = state.agreement.parties.device
    const file = await writeLinkState(db, state.agreement.parties.account, this.#host.now())
    if (machine.state.phase !== 'confirming') return
    let list
    try {
      list = await devices.addDevice(device, '')
    } catch (err) {
      if (!(err instanceof DeviceListError) || err.code !== 'too-many-devices') throw err
      await this.#step(machine.cancel('full'))
      return
    }
    const id = newMessageId(this.#host.now())
    let served = 0
    this.#withdraw = transfers.host({
      id,
      peer: device,
      key: state.agreement.stateKey,
      size: file.size,
      chunkSize: file.chunkSize,
      hashes: file.hashes,
      chunk: async (index) => new Uint8Array(await file.blob.slice(index * file.chunkSize, Math.min(file.size, (index + 1) * file.chunkSize)).arrayBuffer()),
      onServed: (_index, bytes) => {
        served = Math.min(file.size, served + bytes)
        if (this.#view.phase === 'transfer') this.#show({ ...this.#view, progress: { done: served, total: file.size } })
      },
      onDone: () => {
        machine.delivered()
        this.#settle()
      }
    })
    this.#show({ role: 'existing', phase: 'transfer', device, code: state.agreement.code, progress: { done: 0, total: file.size } })
    await this.#step(machine.grant(list.signed, { id, size: file.size, chunkSize: file.chunkSize, sha256: bytesToHex(file.sha256), listHash: bytesToHex(file.listHash) }))
  }

  /** Reads frames until the stream ends or the run is over. */
  async #readOn (stream: LinkStream): Promise<void> {
    while (!this.over && !stream.ended) await this.#next(stream)
  }

  /** One frame read and handed to the machine; the end of the stream is its `closed`. */
  async #next (stream: LinkStream): Promise<void> {
    const machine = this.#machine
    if (machine === undefined) return
    const bytes = await stream.next()
    if (bytes === null) {
      machine.closed()
      this.#settle()
      return
    }
    await this.#step(machine.receive(bytes))
  }

  async #step (step: LinkStep): Promise<void> {
    await this.#stream?.apply(step)
    this.#settle()
  }

  /** The view from the machine's state; the deadline to wake it at. */
  #settle (): void {
    const machine = this.#machine
    if (machine === undefined) return
    const state = machine.state
    this.#host.wakeAt(machine.deadline)
    if (state.phase === 'confirming' && this.#view.phase !== 'confirm') {
      this.#show({ role: 'existing', phase: 'confirm', code: state.agreement.code, device: state.agreement.parties.device })
    } else if (state.phase === 'done' && this.#view.phase !== 'done') {
      this.#withdraw?.()
      void this.#stream?.apply({ end: 'close' })
      this.#show({ ...this.#view, role: 'existing', phase: 'done' })
    } else if (state.phase === 'ended' && this.#view.phase !== 'ended') {
      this.#withdraw?.()
      this.#end(reasonOf(state.error.code), state.error.byPeer)
    }
  }

  #end (reason: LinkEndReason, byPeer = false): LinkView {
    this.#host.wakeAt(undefined)
    const { qr: _qr, progress: _progress, ...rest } = this.#view
    this.#show({ ...rest, role: 'existing', phase: 'ended', reason, ...(byPeer ? { byPeer } : {}) })
    return this.#view
  }

  #show (view: RunView): void {
    this.#view = { ...view, id: this.#host.run }
    this.#host.show(this.#view)
  }
}

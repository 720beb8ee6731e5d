/**
 * The new device's side of a link (docs/protocols.md, "Linking a device"):
 * a browser with no identity makes a device key (kept in memory), runs a
 * node of its own on it (Kernel.createBareNode: relay reservations, the link
 * protocol, the file protocol to pull with), shows a QR code of its circuit
 * addresses (and, under it, a short code to type: its offer deposited on
 * its relays, renewed while the code is shown, withdrawn after), answers one
 * good `hello`, and after `granted` checks the list,
 * pulls the state file, reads it, and only then writes the profile (this
 * device's key), the account row and the account's rows in one transaction.
 * Then its own node stops and the app's starts on the stored profile.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { DeviceListError, openDeviceList } from '@parley/protocol/devices/list'
import { FileTransferError } from '@parley/protocol/file/errors'
import { LINK_FRAME_TIMEOUT_MS, LINK_PROTOCOL, MAX_LINK_ADDRESSES, MAX_LINK_STREAMS } from '@parley/protocol/link/constants'
import { DeviceLink } from '@parley/protocol/link/device'
import { encodeLinkQr, newLinkQr } from '@parley/protocol/link/qr'
import { newShortCode } from '@parley/protocol/link-code/short-code'
import { importLinkState, LinkStateError, readLinkState } from '../../db/link-state-read.ts'
import { ProfileExistsError } from '../../db/errors.ts'
import { file } from '../transfers/index.ts'
import { CodeDeposit, LINK_CODE_RENEW_MS } from './code-relays.ts'
import { reasonOf } from './host.ts'
import { StatePull, StateTooBigError } from './state-pull.ts'
import { LinkStream } from './stream.ts'
import type { SignedDeviceList, StateOffer } from '@parley/protocol/link/frames'
import type { LinkAgreement } from '@parley/protocol/link/device'
import type { LinkStep } from '@parley/protocol/link/step'
import type { LinkEndReason, LinkView } from '../../contract/link-types.ts'
import type { FileService } from '../transfers/index.ts'
import type { RunHost, RunView } from './host.ts'
import type { Connection, Ed25519PrivateKey, Libp2p, Stream } from '@libp2p/interface'

type LinkNode = Libp2p<{ file: FileService }>


/** Circuit addresses the app puts in its QR code: the shortest one (docs/protocols.md, "What the app does"). */
export const QR_ADDRESSES = 1
export interface NewDeviceInit {
  reservationTimeoutMs: number
}

export class NewDeviceRun {
  readonly #host: RunHost
  readonly #init: NewDeviceInit
  #view: LinkView
  #key: Ed25519PrivateKey | undefined
  #node: LinkNode | undefined
  #machine: DeviceLink | undefined
  #stream: LinkStream | undefined
  #connection: Connection | undefined
  #receiving = false
  /** why the run ends when this side cancels it with a wire reason that says less (`too-big`: `cancel failed`) */
  #localReason: LinkEndReason | undefined
  /** aborted when the run ends: stops a pull under way */
  readonly #stop = new AbortController()
  /** the offer under the short code on our relays, while the code is shown */
  #deposit: CodeDeposit | undefined
  /** when the deposit is renewed next (the worker's clock) */
  #renewAt: number | undefined

  constructor (host: RunHost, init: NewDeviceInit) {
    this.#host = host
    this.#init = init
    this.#view = { id: host.run, role: 'new', phase: 'waiting' }
  }

  get view (): LinkView {
    return this.#view
  }

  get over (): boolean {
    return this.#view.phase === 'done' || this.#view.phase === 'ended'
  }

  /** Makes the key and the node, waits for a reservation, shows the QR code. */
  async start (): Promise<void> {
    const { kernel, served } = this.#host.components
    try {
      const key = await generateKeyPair('Ed25519')
      this.#key = key
      const node: LinkNode = await kernel.createBareNode(key, { file: file({ host: refuseEveryFile }) })
      this.#node = node
      await node.handle(LINK_PROTOCOL, async (stream, connection) => { await this.#onStream(stream, connection) }, { runOnLimitedConnection: true, maxInboundStreams: MAX_LINK_STREAMS, maxOutboundStreams: MAX_LINK_STREAMS })
      await node.start()
      const addresses = await this.#reserve(node, served.relays ?? [])
      const peerId = peerIdFromPrivateKey(key).toString()
      const qr = newLinkQr(peerId, addresses.slice(0, QR_ADDRESSES))
      const machine = new DeviceLink({ qr, now: this.#host.now })
      this.#machine = machine
      // the typed code's offer is the QR code's with every address (no camera has to read it)
      const shortCode = newShortCode()
      const deposit = new CodeDeposit(node, shortCode, encodeLinkQr({ ...qr, addresses: addresses.slice(0, MAX_LINK_ADDRESSES) }), this.#host.log)
      this.#deposit = deposit
      const held = await deposit.deposit()
      this.#renewAt = this.#host.now() + LINK_CODE_RENEW_MS
      if (this.over) return
      this.#show({ role: 'new', phase: 'waiting', qr: encodeLinkQr(qr), expiresAt: machine.expiresAt, ...(held ? { shortCode } : {}) })
      this.#wake()
    } catch (err) {
      this.#host.log.error('the new device could not get ready to link - %e', err)
      await this.#end('unreachable')
    }
  }

  async cancel (): Promise<void> {
    if (this.#machine === undefined) {
      await this.#end('declined')
      return
    }
    await this.#step(this.#machine.cancel('declined'))
  }

  async tick (): Promise<void> {
    if (this.#machine === undefined) return
    await this.#step(this.#machine.tick())
    await this.#renew()
  }

  /** While the code is shown: the deposit again (every LINK_CODE_RENEW_MS: a relay restarted, another reserved), the code shown once one holds it. */
  async #renew (): Promise<void> {
    const deposit = this.#deposit
    if (deposit === undefined || this.#renewAt === undefined || this.#host.now() < this.#renewAt || this.#view.phase !== 'waiting') return
    this.#renewAt = this.#host.now() + LINK_CODE_RENEW_MS
    const held = await deposit.deposit()
    if (this.#view.phase !== 'waiting' || this.#deposit !== deposit) return
    const { shortCode: _shown, ...rest } = this.#view
    if (held !== (this.#view.shortCode !== undefined)) this.#show({ ...rest, ...(held ? { shortCode: deposit.code } : {}) })
    this.#wake()
  }

  /** Wakes the run at the machine's deadline or the next renewal, whichever comes first. */
  #wake (): void {
    const deadline = this.#machine?.deadline
    const renew = this.#deposit === undefined ? undefined : this.#renewAt
    this.#host.wakeAt(deadline === undefined ? renew : renew === undefined ? deadline : Math.min(deadline, renew))
  }

  /** The code is no longer offered (a hello came, or the run ends): taken back from the relays. */
  async #withdraw (): Promise<void> {
    const deposit = this.#deposit
    this.#deposit = undefined
    this.#renewAt = undefined
    await deposit?.withdraw()
  }

  /** Dials the served relays and waits until the node listens on at least one circuit address; resolves them, shortest first. */
  async #reserve (node: LinkNode, relays: string[]): Promise<string[]> {
    const circuits = (): string[] => node.getMultiaddrs().map(a => a.toString()).filter(a => a.includes('/p2p-circuit/'))
    const found = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { done(); reject(new Error('no relay reservation')) }, this.#init.reservationTimeoutMs)
      const check = (): void => { if (circuits().length > 0) { done(); resolve() } }
      const done = (): void => { clearTimeout(timer); node.removeEventListener('self:peer:update', check) }
      node.addEventListener('self:peer:update', check)
      check()
    })
    for (const relay of relays) {
      node.dial(multiaddr(relay)).catch((err: unknown) => { this.#host.log('dialling relay %s failed - %e', relay, err) })
    }
    await found
    // the QR code takes the shortest: a code that a phone's camera (or a screenshot) reads at
    // a glance; the wire allows MAX_LINK_ADDRESSES, but four addresses (a WebRTC-Direct one
    // with its certhash) make a QR code too dense for a 16rem square
    return circuits().sort((a, b) => a.length - b.length)
  }

  /** A link stream from a device that scanned our code: its `hello`, then (if it is the one answered) the rest. */
  async #onStream (raw: Stream, connection: Connection): Promise<void> {
    const machine = this.#machine
    const stream = new LinkStream(raw, this.#host.log)
    if (machine === undefined) {
      stream.reset()
      return
    }
    const late = setTimeout(() => { stream.reset() }, LINK_FRAME_TIMEOUT_MS)
    const first = await stream.next()
    clearTimeout(late)
    if (first === null) {
      stream.reset()
      return
    }
    const wasWaiting = machine.state.phase === 'waiting'
    await stream.apply(machine.hello(connection.remotePeer.toString(), first))
    // (the machine moved on, or not: read its state again)
    const now: string = machine.state.phase
    if (!wasWaiting || now !== 'confirming') {
      this.#settle()
      return
    }
    this.#stream = stream
    this.#connection = connection
    this.#settle()
    while (!stream.ended && !this.over) {
      const bytes = await stream.next()
      if (bytes === null) {
        machine.closed()
        this.#settle()
        return
      }
      await this.#step(machine.receive(bytes))
    }
  }

  async #step (step: LinkStep): Promise<void> {
    await this.#stream?.apply(step)
    this.#settle()
  }

  /** The view from the machine's state; after `granted`, the state is pulled (once). */
  #settle (): void {
    const machine = this.#machine
    if (machine === undefined) return
    const state = machine.state
    // a hello came: the code is spent (an ending withdraws it in #end, before the node stops)
    if ((state.phase === 'confirming' || state.phase === 'receiving') && this.#deposit !== undefined) void this.#withdraw()
    this.#wake()
    if (state.phase === 'confirming' && this.#view.phase !== 'confirm') {
      this.#show({ role: 'new', phase: 'confirm', code: state.agreement.code, accountName: state.agreement.name })
    } else if (state.phase === 'receiving' && !this.#receiving) {
      this.#receiving = true
      this.#show({ role: 'new', phase: 'transfer', code: state.agreement.code, accountName: state.agreement.name, progress: { done: 0, total: state.state.size } })
      this.#receive(machine, state.agreement, state.list, state.state).catch((err: unknown) => { this.#host.log.error('receiving the account failed - %e', err) })
    } else if (state.phase === 'done' && this.#view.phase !== 'done') {
      this.#host.wakeAt(undefined)
      this.#show({ role: 'new', phase: 'done', code: state.phase === 'done' ? this.#view.code : undefined, accountName: this.#view.accountName })
    } else if (state.phase === 'ended' && this.#view.phase !== 'ended') {
      void this.#end(state.error.byPeer ? reasonOf(state.error.code) : this.#localReason ?? reasonOf(state.error.code), state.error.byPeer)
    }
  }

  /** Checks the list, pulls and reads the state, stores it all in one transaction, says `done`, then starts the app's node. */
  async #receive (machine: DeviceLink, agreement: LinkAgreement, signed: SignedDeviceList, offer: StateOffer): Promise<void> {
    const { account, device } = agreement.parties
    let deviceName = ''
    let list
    try {
      list = openDeviceList(signed, { account })
      const self = list.devices.find(d => d.peer === device)
      if (self === undefined || !list.devices.some(d => d.peer === agreement.parties.existing)) throw new DeviceListError('malformed', 'the list does not name both devices')
      deviceName = self.name
    } catch (err) {
      if (!(err instanceof DeviceListError)) throw err
      this.#host.log('the granted list does not check - %e', err)
      await this.#step(machine.cancel('bad-list'))
      return
    }
    let rows
    try {
      if (offer.size > this.#host.components.served.maxFileBytes) throw new FileTransferError('mismatch', 'the state is larger than this device takes')
      const blob = await this.#pull(agreement, offer)
      rows = await readLinkState(blob, account)
    } catch (err) {
      this.#host.log.error('pulling the account state failed - %e', err)
      if (err instanceof StateTooBigError) this.#localReason = 'too-big'
      if (!this.over) await this.#step(machine.cancel('failed'))
      return
    }
    if (this.over || machine.state.phase !== 'receiving') return
    const key = this.#key
    if (key === undefined) return
    const { db, identity, kernel } = this.#host.components
    try {
      await importLinkState(db, rows, {
        id: 1, peerId: device, privateKey: privateKeyToProtobuf(key), username: rows.profile.username, createdAt: rows.profile.createdAt
      }, { id: 1, account, holder: false, deviceName, list: list.signed, version: list.version })
    } catch (err) {
      if (!(err instanceof ProfileExistsError) && !(err instanceof LinkStateError)) this.#host.log.error('storing the account state failed - %e', err)
      await this.#step(machine.cancel('failed'))
      return
    }
    await this.#step(machine.finish())
    // the app's node takes over on the stored profile (the same key)
    await this.#node?.stop()
    this.#node = undefined
    await identity.load()
    await kernel.startNetwork()
  }

  /** Pulls the state file from the device that granted it (state-pull.ts: direct where possible, resumed across connections); resolves it whole and checked. */
  async #pull (agreement: LinkAgreement, offer: StateOffer): Promise<Blob> {
    const node = this.#node
    if (node === undefined || this.#connection === undefined) throw new FileTransferError('unavailable')
    const pull = new StatePull({
      node,
      existing: this.#connection.remotePeer,
      offer,
      key: agreement.stateKey,
      webRtc: () => this.#host.components.capabilities.current.webrtc !== false,
      signal: this.#stop.signal,
      log: this.#host.log,
      onProgress: (done, path) => {
        if (this.#view.phase === 'transfer') this.#show({ ...this.#view, progress: { done, total: offer.size }, path })
      }
    })
    return pull.pull()
  }

  async #end (reason: LinkEndReason, byPeer = false): Promise<void> {
    this.#host.wakeAt(undefined)
    this.#stop.abort()
    const { qr: _qr, expiresAt: _expiresAt, progress: _progress, path: _path, shortCode: _shortCode, ...rest } = this.#view
    this.#show({ ...rest, role: 'new', phase: 'ended', reason, ...(byPeer ? { byPeer } : {}) })
    await this.#withdraw()
    const node = this.#node
    this.#node = undefined
    this.#key = undefined
    try {
      await node?.stop()
    } catch (err) {
      this.#host.log('stopping the link node failed - %e', err)
    }
  }

  #show (view: RunView): void {
    this.#view = { ...view, id: this.#host.run }
    this.#host.show(this.#view)
  }
}

/** The new device serves no file: its file service only pulls. */
const refuseEveryFile = {
  open: async (): Promise<never> => { throw new FileTransferError('unknown-transfer') },
  cancelled: async (): Promise<void> => {}
}

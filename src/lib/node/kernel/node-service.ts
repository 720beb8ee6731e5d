import { circuitRelayAddress, isCircuitAddress } from '@parley/protocol/multiaddr'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  MAX_NOTES_CHARS, addFromInvite, deleteContact, getContact, listContacts, setBlocked, setContactState, setPresence,
  setVerified, updateContactDetails
} from '../../db/contacts.ts'
import { NoProfileError, ProfileExistsError, exportBackup, readBackup, restoreBackup } from '../../db/backup.ts'
import { ContactCache } from '../../db/contact-cache.ts'
import { incomingRow, outbox, outgoingRow, storeIncoming, storeOutgoing } from '../../db/messages.ts'
import { transfersOfChat } from '../../db/transfers.ts'
import { openChunkStore } from '../../files/chunk-store.ts'
import { getProfile, saveProfile } from '../../db/profile.ts'
import { nearbyEnabled, setNearbyEnabled } from '../../db/settings.ts'
import {
  activeRelays, addUserRelay, getRelay, listRelays, noteDiscoveredRelay, recordRelayResult, relayAddressProblem, removeRelay, setRelayActive,
  syncDefaultRelays, UnknownRelayError
} from '../../db/relays.ts'
import { networkSnapshot, relayInfo, reservedRelayIds } from '../relays/network-snapshot.ts'
import { testRelay } from '../relays/relay-test.ts'
import { encodeInvite, parseInvite, validateName } from '../identity/invite.ts'
import { bestConnection, isRelayed, pathTo } from './connections.ts'
import { DirectUpgrader } from '../presence/direct-upgrade.ts'
import { ContactFinder } from '../presence/contact-finder.ts'
import { Greeter, REDIAL_BACKOFF } from '../presence/greeter.ts'
import { IceServers } from '../relays/ice-servers.ts'
import { MailboxCourier } from '../messaging/courier.ts'
import type { CourierStats } from '../messaging/courier.ts'
import { createParleyNode } from './libp2p.ts'
import { Nearby, NotNearbyError, readNearbyPeer, readNearbySwitch } from '../nearby/nearby.ts'
import type { NearbyPerson } from '../../rpc/protocol.ts'
import { OutboxSender } from '../messaging/outbox.ts'
import { checkText } from '../messaging/text.ts'
import { DEFAULT_MAX_FILE_BYTES } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import { TransferManager } from '../transfers/transfers.ts'
import type { IncomingFile, OutgoingFile } from '../transfers/transfers.ts'
import { RelayKeeper } from '../relays/relay-keeper.ts'
import { compareSafetyQr, safetyNumber } from '../contacts/safety-number.ts'
import type { SafetyQrComparison } from '../contacts/safety-number.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, MessageId, ProfileRow } from '../../db/types.ts'
import type { IncomingMessageEvent, NetworkSnapshot, NodeStatus, RelayInfo } from '../../rpc/protocol.ts'
import type { AppConfig } from './app-config.ts'
import type { ParleyNode } from './libp2p.ts'
import type { ChatInbox } from '../messaging/chat-service.ts'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { t } from '../../i18n/index.ts'
import { toErrorShape } from '../../contract/errors.ts'

// one definition each: the backup module refuses for the same reasons with the same names
export { NoProfileError, ProfileExistsError }
export class UnknownContactError extends Error {
  override name = 'UnknownContactError'
}
export class OwnInviteError extends Error {
  override name = 'OwnInviteError'
}
export class NotReachableError extends Error {
  override name = 'NotReachableError'
}
export class NotDirectError extends Error {
  override name = 'NotDirectError'
}
export class BlockedContactError extends Error {
  override name = 'BlockedContactError'
}
export class NoRequestError extends Error {
  override name = 'NoRequestError'
}
export class InvalidDetailsError extends Error {
  override name = 'InvalidDetailsError'
}

/** Relay addresses remembered as already noted (see NodeService #noteReservations); past this the memory starts over. */
const MAX_NOTED_RELAYS = 64

export interface NodeServiceInit {
  db: ParleyDb
  /** resolves the served app config; called once the profile exists */
  loadConfig(): Promise<AppConfig>
  /** the app's origin, for invite links */
  origin: string
  onStatus(status: NodeStatus): void
  /** a message arrived (before it is stored), or storing it failed */
  onMessage?(event: IncomingMessageEvent): void
}

/** Our relays' mailboxes are looked at this often while the node runs (besides on every relay or contact connection). */
export const MAILBOX_DRAIN_INTERVAL_MS = 30_000

/**
 * Everything the worker does: it owns the identity, the libp2p node, the
 * relay keeper, the outbox and the greeter (presence and contact requests),
 * writes network data to the DB and reports status to the tabs. The RPC
 * handlers are thin wrappers around its methods.
 */
export class NodeService {
  readonly #init: NodeServiceInit
  /** contact lookups on the message paths */
  readonly #contacts: ContactCache
  /** the served STUN/TURN servers and the user's TURN servers, asked for per WebRTC connection */
  readonly #ice: IceServers
  #status: NodeStatus = { phase: 'loading', addresses: [], relays: [], paths: {} }
  #profile?: ProfileRow
  #node?: ParleyNode
  #keeper?: RelayKeeper
  #upgrader?: DirectUpgrader
  #outbox?: OutboxSender
  /** the active rows of the `relays` table, as handed to the keeper */
  #relays: string[] = []
  /** relay addresses already noted as discovered in this run (bounded: cleared past MAX_NOTED_RELAYS) */
  readonly #notedRelays = new Set<string>()
  #starting?: Promise<void>
  /** PeerIDs of blocked contacts, for the connection gater (which must answer synchronously) */
  readonly #blocked = new Set<string>()
  #stopped = false
  #greeter?: Greeter
  /** finds contacts again through the DHT, for the greeter and the outbox */
  #finder?: ContactFinder
  #courier?: MailboxCourier
  /** registers on our relays and lists who is nearby while the user opted in */
  #nearby?: Nearby
  #drainTimer?: ReturnType<typeof setInterval>
  #transfers?: TransferManager
  #maxFileBytes = DEFAULT_MAX_FILE_BYTES

  constructor (init: NodeServiceInit) {
    this.#init = init
    this.#contacts = new ContactCache(init.db)
    this.#ice = new IceServers(init.db)
  }

  get status (): NodeStatus {
    return this.#status
  }

  get node (): ParleyNode | undefined {
    return this.#node
  }

  /** Opens the DB and, when a profile exists, starts the node. */
  async start (): Promise<void> {
    let profile: ProfileRow | undefined
    try {
      profile = await getProfile(this.#init.db)
    } catch (err) {
      this.#setStatus({ phase: 'offline', error: { code: 'databaseUnavailable', params: { reason: (err as Error).message } } })
      throw err
    }
    if (profile == null) {
      this.#setStatus({ phase: 'needs-profile' })
      return
    }
    this.#profile = profile
    await this.#startNode()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    this.#greeter?.stop()
    this.#finder?.stop()
    this.#transfers?.stop()
    this.#nearby?.stop()
    this.#keeper?.stop()
    this.#upgrader?.stop()
    this.#outbox?.stop()
    clearInterval(this.#drainTimer)
    await this.#node?.stop()
    this.#contacts.close()
  }

  async createProfile (username: string): Promise<NodeStatus> {
    const name = validateName(username)
    if (this.#profile != null || await getProfile(this.#init.db) != null) {
      throw new ProfileExistsError(t('errors.profileExists'))
    }
    const key = await generateKeyPair('Ed25519')
    const profile: ProfileRow = {
      id: 1,
      peerId: peerIdFromPrivateKey(key).toString(),
      privateKey: privateKeyToProtobuf(key),
      username: name,
      createdAt: Date.now()
    }
    await saveProfile(this.#init.db, profile)
    this.#profile = profile
    await this.#startNode()
    return this.#status
  }

  /** This identity, its contacts and (optionally) the history as a passphrase-encrypted file (db/backup.ts). */
  async exportIdentity (passphrase: string, includeHistory: boolean): Promise<Uint8Array> {
    this.#requireProfile()
    return exportBackup(this.#init.db, passphrase, { includeHistory })
  }

  /**
   * Restores an identity from a backup file into this browser (which must
   * not have one yet), then starts the node with it. A wrong passphrase or a
   * damaged file throws and changes nothing.
   */
  async importIdentity (bytes: Uint8Array, passphrase: string): Promise<NodeStatus> {
    if (this.#profile != null || await getProfile(this.#init.db) != null) {
      throw new ProfileExistsError(t('errors.profileExistsRestore'))
    }
    const contents = await readBackup(bytes, passphrase)
    await restoreBackup(this.#init.db, contents)
    this.#profile = contents.profile
    await this.#startNode()
    return this.#status
  }

  getInvite (): string {
    const profile = this.#requireProfile()
    if (this.#status.addresses.length === 0) {
      throw new NotReachableError(t('errors.inviteNotOnline'))
    }
    return encodeInvite({ peerId: profile.peerId, name: profile.username, addresses: this.#status.addresses }, this.#init.origin)
  }

  /**
   * Adds the contact an invite names and asks them to accept us (a contact
   * request, docs/protocols.md). Adding someone whose request is waiting
   * accepts it. The request goes out now if they can be reached, else on the
   * next connection to them.
   */
  async addContact (text: string): Promise<ContactId> {
    const profile = this.#requireProfile()
    const invite = parseInvite(text)
    if (invite.peerId === profile.peerId) throw new OwnInviteError(t('errors.ownInvite'))
    const db = this.#init.db
    const { id: contactId, blocked } = await addFromInvite(db, {
      peerId: invite.peerId,
      username: invite.name ?? shortPeerId(invite.peerId),
      addresses: invite.addresses
    })
    if (blocked) throw new BlockedContactError(t('errors.contactBlocked'))
    const peerId = peerIdFromString(invite.peerId)
    if (this.#node != null) {
      await this.#node.peerStore.merge(peerId, { multiaddrs: invite.addresses.map(a => multiaddr(a)) })
      if (this.#node.getConnections(peerId).length > 0) {
        await setPresence(db, invite.peerId, 'online', Date.now())
      }
      this.#greeter?.greet([contactId])
    }
    return contactId
  }

  /** Accepts a waiting contact request: they become a contact and are told so. */
  async acceptContact (contactId: ContactId): Promise<void> {
    const contact = await this.#contacts.byId(contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    if (contact.state === 'accepted') return
    if (contact.state !== 'pending') throw new NoRequestError(t('errors.noRequestToAccept'))
    await setContactState(this.#init.db, contactId, 'accepted', true)
    this.#greeter?.greet([contactId])
  }

  /** Saves the user's nickname (null removes it) and notes for a contact. */
  async updateContact (contactId: ContactId, nickname: string | null, notes: string): Promise<void> {
    const name = nickname === null ? null : validateName(nickname)
    if (notes.length > MAX_NOTES_CHARS) throw new InvalidDetailsError(t('errors.notesTooLong', { max: String(MAX_NOTES_CHARS) }))
    if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(notes)) throw new InvalidDetailsError(t('errors.notesControl'))
    if (!await updateContactDetails(this.#init.db, contactId, { nickname: name, notes })) {
      throw new UnknownContactError(t('errors.unknownContact'))
    }
  }

  /**
   * Blocks or unblocks a contact. A blocked peer is refused at the
   * connection gater (so nothing of theirs arrives or is stored) and its open
   * connections are closed; unblocking greets it again so queued messages
   * flow both ways.
   */
  async setBlocked (contactId: ContactId, blocked: boolean): Promise<void> {
    const contact = await getContact(this.#init.db, contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    await setBlocked(this.#init.db, contactId, blocked)
    if (blocked) {
      this.#blocked.add(contact.peerId)
      await this.#node?.hangUp(peerIdFromString(contact.peerId)).catch(() => {})
    } else {
      this.#blocked.delete(contact.peerId)
      this.#greeter?.greet([contactId])
    }
  }

  /**
   * Deletes a contact, with or without the chat history (see db/contacts.ts
   * deleteContact). Its connections close; kept history comes back if they
   * are added again.
   */
  async deleteContact (contactId: ContactId, withHistory: boolean): Promise<void> {
    const contact = await getContact(this.#init.db, contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    if (withHistory) await this.#transfers?.forget((await transfersOfChat(this.#init.db, contactId)).map(t => t.id))
    await deleteContact(this.#init.db, contactId, withHistory)
    this.#greeter?.forget(contactId)
    if (!contact.blocked) await this.#node?.hangUp(peerIdFromString(contact.peerId)).catch(() => {})
  }

  /** The safety number of us and a contact (digit groups and the QR payload to scan mutually). */
  async getSafetyNumber (contactId: ContactId): Promise<{ groups: string[], qr: string }> {
    const profile = this.#requireProfile()
    const contact = await getContact(this.#init.db, contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    const { groups, qr } = await safetyNumber(profile.peerId, contact.peerId)
    return { groups, qr }
  }

  /** Compares a scanned safety code with ours for this contact; a match marks the contact verified. */
  async checkSafetyCode (contactId: ContactId, code: string): Promise<SafetyQrComparison> {
    const profile = this.#requireProfile()
    const contact = await getContact(this.#init.db, contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    const result = compareSafetyQr(code, await safetyNumber(profile.peerId, contact.peerId))
    if (result === 'match') await setVerified(this.#init.db, contactId, true)
    return result
  }

  /** Marks a contact verified (the user compared the safety numbers) or not. */
  async setVerified (contactId: ContactId, verified: boolean): Promise<void> {
    if (!await setVerified(this.#init.db, contactId, verified)) throw new UnknownContactError(t('errors.unknownContact'))
  }

  /** Declines a waiting contact request. They are not told; they may ask again a few times. */
  async declineContact (contactId: ContactId): Promise<void> {
    const contact = await this.#contacts.byId(contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    if (contact.state !== 'pending') throw new NoRequestError(t('errors.noRequestToDecline'))
    await setContactState(this.#init.db, contactId, 'declined', false)
  }

  /**
   * Stores the message in the outbox and, while that write is under way,
   * already sends it when the contact is connected (see `OutboxSender.send`).
   * Resolves once the message is stored.
   */
  async sendMessage (contactId: ContactId, text: string): Promise<MessageId> {
    const profile = this.#requireProfile()
    checkText(text)
    const contact = await this.#contacts.byId(contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    const row = outgoingRow({ contactId, fromPeerId: profile.peerId, body: text })
    const stored = storeOutgoing(this.#init.db, row)
    this.#outbox?.send(contact, row, stored)
    await stored
    return row.id
  }

  /** Offers a file to a contact (see TransferManager.sendFile); resolves with its message id once stored. */
  async sendFile (input: Omit<OutgoingFile, 'fromPeerId'>): Promise<MessageId> {
    const profile = this.#requireProfile()
    const contact = await this.#contacts.byId(input.contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    if (input.caption !== '') checkText(input.caption)
    return this.#requireTransfers().sendFile({ ...input, fromPeerId: profile.peerId })
  }

  async cancelTransfer (id: MessageId): Promise<void> {
    await this.#requireTransfers().cancel(id)
  }

  async retryTransfer (id: MessageId): Promise<void> {
    await this.#requireTransfers().retry(id)
  }

  /** The bytes of a received (complete) or sent file, as a disk-backed Blob for saving or viewing. */
  async getFile (id: MessageId): Promise<Blob> {
    return this.#requireTransfers().file(id)
  }

  #requireTransfers (): TransferManager {
    if (this.#transfers == null) throw new NotReachableError(t('errors.stillStarting'))
    return this.#transfers
  }

  #requireProfile (): ProfileRow {
    if (this.#profile == null) throw new NoProfileError(t('errors.noProfile'))
    return this.#profile
  }

  #setStatus (patch: Partial<NodeStatus>): void {
    this.#status = {
      ...this.#status,
      ...patch,
      peerId: this.#profile?.peerId,
      username: this.#profile?.username
    }
    this.#init.onStatus(this.#status)
  }

  async #startNode (): Promise<void> {
    this.#starting ??= this.#doStartNode().catch((err: unknown) => {
      // keep the reason where every tab sees it; a later call may try again
      this.#starting = undefined
      this.#setStatus({ phase: 'offline', error: { code: 'nodeStartFailed', params: { reason: (err as Error).message } } })
      throw err
    })
    return this.#starting
  }

  async #doStartNode (): Promise<void> {
    const profile = this.#requireProfile()
    const db = this.#init.db
    this.#setStatus({ phase: 'starting' })

    try {
      const config = await this.#init.loadConfig()
      this.#relays = config.relays
      this.#ice.setServed(config.iceServers)
      this.#maxFileBytes = config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
      await syncDefaultRelays(db, this.#relays)
    } catch (err) {
      const { code, params } = toErrorShape(err)
      this.#setStatus({ error: { code, params } })
    }
    // the shipped defaults just synced, the user's and the discovered ones, minus the disabled
    this.#relays = await activeRelays(db)

    const contacts = await listContacts(db)
    for (const contact of contacts) {
      if (contact.blocked) this.#blocked.add(contact.peerId)
    }
    await this.#ice.load()
    const node = await createParleyNode({
      privateKey: privateKeyFromProtobuf(profile.privateKey),
      inbox: this.#inbox,
      // the greeter exists before the node starts, so before any request can arrive
      desk: { receive: async (from, frame) => this.#greeter?.receive(from, frame) ?? 'refused' },
      isBlocked: (peerId) => this.#blocked.has(peerId.toString()),
      isContact: this.#isContact,
      // like the desk: exists before the node starts, answers once the transfers are loaded
      fileHost: {
        open: async (from, id, sha256, connection) => {
          if (this.#transfers == null) throw new FileTransferError('busy', t('errors.senderStarting'))
          return this.#transfers.open(from, id, sha256, connection)
        },
        cancelled: async (from, id) => this.#transfers?.cancelled(from, id)
      },
      rtcConfiguration: () => this.#ice.rtcConfiguration()
    })
    this.#node = node
    const courier = new MailboxCourier({
      db,
      node,
      privateKey: privateKeyFromProtobuf(profile.privateKey) as Ed25519PrivateKey,
      inbox: this.#inbox,
      contactByPeerId: async (peerId) => this.#contacts.byPeerId(peerId),
      ownRelays: () => this.#relays
    })
    this.#courier = courier
    const nearby = new Nearby({ node, name: () => profile.username, log: node.logger.forComponent('parley:nearby') })
    this.#nearby = nearby
    // one finder for both dial paths: one DHT lookup per contact at a time, one back-off
    const finder = new ContactFinder({ db, node, backoff: REDIAL_BACKOFF })
    this.#finder = finder
    // a contact we cannot reach now gets what waits for it through its mailbox relays
    this.#outbox = new OutboxSender(db, node, async (contactId) => {
      const contact = await getContact(db, contactId)
      if (contact != null) await courier.deposit(contact, await outbox(db, contactId))
    }, finder)
    const greeter = new Greeter({
      db,
      node,
      outbox: this.#outbox,
      dialer: finder,
      me: () => ({ name: profile.username, addresses: this.#status.addresses })
    })
    this.#greeter = greeter

    // presence from an earlier run is stale: nothing is connected yet
    for (const contact of contacts) {
      if (contact.status === 'online') await setPresence(db, contact.peerId, 'offline', Date.now())
      if (contact.addresses.length > 0) {
        await node.peerStore.merge(peerIdFromString(contact.peerId), { multiaddrs: contact.addresses.map(a => multiaddr(a)) })
      }
    }

    // a reservation shows up first as a listener event; self:peer:update
    // follows only after libp2p's address debounce (about a second)
    const updateAddresses = (): void => { this.#updateAddresses() }
    node.addEventListener('transport:listening', updateAddresses)
    node.addEventListener('transport:close', updateAddresses)
    node.addEventListener('self:peer:update', updateAddresses)
    node.addEventListener('connection:open', (evt) => { this.#updatePath(evt.detail.remotePeer) })
    node.addEventListener('connection:close', (evt) => { this.#updatePath(evt.detail.remotePeer) })
    node.addEventListener('connection:open', (evt) => { this.#transfers?.onPeer(evt.detail.remotePeer) })
    node.addEventListener('connection:close', (evt) => { this.#transfers?.onPeer(evt.detail.remotePeer) })
    node.addEventListener('peer:connect', (evt) => { greeter.onPeer(evt.detail, 'online') })
    // our mailbox: whenever a relay of ours connects, and when a contact comes online (it may
    // have left receipts there), and every MAILBOX_DRAIN_INTERVAL_MS
    node.addEventListener('peer:connect', (evt) => {
      const id = evt.detail.toString()
      if (this.#relays.some(r => r.endsWith(`/p2p/${id}`))) void courier.drain()
      else void this.#contacts.byPeerId(id).then((contact) => { if (contact != null) void courier.drain() })
    })
    this.#drainTimer = setInterval(() => { void courier.drain() }, MAILBOX_DRAIN_INTERVAL_MS)
    node.addEventListener('peer:disconnect', (evt) => { greeter.onPeer(evt.detail, 'offline') })

    await node.start()
    nearby.start(await nearbyEnabled(db))
    const transfers = new TransferManager({
      db,
      node,
      store: await openChunkStore(db),
      maxFileBytes: this.#maxFileBytes,
      kickOutbox: (contactId) => { this.#outbox?.kick(contactId) }
    })
    this.#transfers = transfers
    await transfers.start()
    this.#upgrader = new DirectUpgrader(node, {
      isContact: this.#isContact,
      // a direct connection counts once its probe passed: the badge and waiting transfers move to it
      onUsable: (connection) => {
        this.#updatePath(connection.remotePeer)
        transfers.onPeer(connection.remotePeer)
      }
    })
    this.#keeper = new RelayKeeper(node, this.#relays, {
      onDialResult: (addr, result) => {
        recordRelayResult(db, addr, result.ok ? { ok: true, rtt: result.rtt, now: Date.now() } : { ok: false, now: Date.now() })
          .catch((err: unknown) => { if (!this.#stopped) node.logger.forComponent('parley:node-service').error('could not record a relay result - %e', err) })
        if (!result.ok) this.#setStatus({ error: { code: 'relayUnreachableStatus', params: { reason: result.error } } })
      }
    })
    this.#keeper.start()
    this.#updateAddresses()
  }

  readonly #isContact = async (peerId: PeerId): Promise<boolean> => {
    const contact = await this.#contacts.byPeerId(peerId.toString())
    return contact != null && !contact.blocked && contact.state === 'accepted'
  }

  /** What the mailbox courier did since start: deposited, received, receipts, and drops by reason. */
  mailboxStats (): CourierStats | undefined {
    return this.#courier?.stats
  }

  /** Looks at our relays' mailboxes now (besides the usual times); resolves when done. */
  async checkMailbox (): Promise<void> {
    await this.#courier?.drain()
  }

  /**
   * Opts this device in to Nearby or out of it (the RPC params, checked in
   * nearby.ts): remembered in the settings table, then registered on our
   * relays or withdrawn from them at once.
   */
  async setNearby (params: unknown): Promise<void> {
    const enabled = readNearbySwitch(params)
    this.#requireProfile()
    await setNearbyEnabled(this.#init.db, enabled)
    await this.#nearby?.setEnabled(enabled)
  }

  /** The people our relays see nearby now; empty while Nearby is off or the node is starting. */
  async listNearby (): Promise<NearbyPerson[]> {
    return await this.#nearby?.list() ?? []
  }

  /**
   * Adds someone the relays listed as nearby exactly as their invite would
   * be added (the same checks, the same contact request, which they accept
   * or not): the invite is made of the PeerID, name and circuit addresses
   * the relay gave.
   */
  async addNearby (params: unknown): Promise<ContactId> {
    const peerId = readNearbyPeer(params)
    const person = this.#nearby?.find(peerId)
    if (person == null) throw new NotNearbyError(t('errors.notNearby'))
    return this.addContact(encodeInvite({ peerId: person.peerId, name: person.name, addresses: person.addresses }, this.#init.origin))
  }

  /**
   * Adds one of the user's TURN servers (the RPC params, checked in
   * db/turn-servers.ts; at most 4). Every WebRTC connection made from now on
   * uses it, after the served iceServers; open connections keep theirs.
   */
  async addTurnServer (params: unknown): Promise<number> {
    return this.#ice.add(params)
  }

  /** Removes one of the user's TURN servers; new connections no longer use it. */
  async removeTurnServer (id: unknown): Promise<void> {
    await this.#ice.remove(id)
  }

  // ---- relays (Network panel); the RPC server checked the params' shape against the contract

  /** The relays with their live state (see network-snapshot.ts relayInfo). */
  async listRelays (): Promise<RelayInfo[]> {
    return (await this.#network()).relays
  }

  /** Own addresses, reachability, DHT, connections and relays, as the node sees them now. */
  async getNetwork (): Promise<NetworkSnapshot> {
    return this.#network()
  }

  /** Adds a relay the user typed (db/relays.ts addUserRelay); the keeper dials it at once. */
  async addRelay ({ multiaddr: address }: { multiaddr: string }): Promise<RelayInfo> {
    await addUserRelay(this.#init.db, address.trim())
    await this.#applyRelays()
    const info = (await this.#network()).relays.find(r => r.multiaddr === address.trim())
    if (info === undefined) throw new UnknownRelayError('relayGoneAgain')
    return info
  }

  /**
   * Tests a listed relay: dial, circuit relay check, ping (relay-test.ts).
   * The outcome is recorded in its row; a connection opened only for the
   * test is closed again when the relay is not kept (disabled).
   */
  async testRelay ({ multiaddr: address }: { multiaddr: string }, signal?: AbortSignal): Promise<{ rtt: number }> {
    const node = this.#node
    if (node == null) throw new NotReachableError(t('errors.stillStarting'))
    const row = await getRelay(this.#init.db, address)
    if (row == null) throw new UnknownRelayError('relayNotListed')
    const peerId = peerIdFromString(row.peerId)
    const wasConnected = node.getConnections(peerId).length > 0
    try {
      const { rtt } = await testRelay(node, address, signal === undefined ? {} : { signal })
      await recordRelayResult(this.#init.db, address, { ok: true, rtt, now: Date.now() })
      return { rtt }
    } catch (err) {
      if (signal?.aborted !== true) await recordRelayResult(this.#init.db, address, { ok: false, now: Date.now() })
      throw err
    } finally {
      if (!wasConnected) await this.#keeper?.release(peerId)
    }
  }

  /** Enables or disables a relay; the keeper connects to it, or hangs up on it, at once. */
  async setRelayActive ({ multiaddr: address, active }: { multiaddr: string, active: boolean }): Promise<void> {
    await setRelayActive(this.#init.db, address, active)
    await this.#applyRelays()
  }

  /** Removes a relay (a shipped default is disabled instead: db/relays.ts removeRelay) and hangs up on it. */
  async removeRelay ({ multiaddr: address }: { multiaddr: string }): Promise<'removed' | 'disabled'> {
    const outcome = await removeRelay(this.#init.db, address)
    await this.#applyRelays()
    return outcome
  }

  /** Hands the table's active relays to the keeper (which dials new ones and hangs up on dropped ones). */
  async #applyRelays (): Promise<void> {
    this.#relays = await activeRelays(this.#init.db)
    await this.#keeper?.setRelays(this.#relays)
    this.#updateAddresses()
  }

  async #network (): Promise<NetworkSnapshot> {
    const rows = await listRelays(this.#init.db)
    const node = this.#node
    if (node == null) {
      return {
        addresses: [],
        reachability: 'unreachable',
        reservations: 0,
        directConnections: 0,
        dht: { running: false },
        connections: [],
        relays: rows.map(row => relayInfo(row, { connected: false, reserved: false }))
      }
    }
    return networkSnapshot(node, {
      rows,
      kept: (address) => this.#keeper?.state(address),
      contactName: async (peerId) => {
        const contact = await this.#contacts.byPeerId(peerId)
        return contact == null ? undefined : contact.nickname ?? contact.username
      }
    })
  }

  /**
   * A reservation on a relay the list does not have (the relay transport
   * found it, e.g. through the DHT) makes it a 'discovered' relay, which the
   * keeper then keeps. Each address is looked at once per run.
   */
  #noteReservations (addresses: readonly string[]): void {
    const known = new Set(this.#relays.map(r => r.split('/').at(-1)))
    for (const id of reservedRelayIds(addresses)) {
      if (known.has(id)) continue
      // the relay's first address a browser can dial (it announces its TCP one too)
      const relay = addresses.map(circuitRelayAddress)
        .find((r): r is string => r?.endsWith(`/p2p/${id}`) === true && relayAddressProblem(r) === undefined)
      if (relay === undefined || this.#notedRelays.has(relay)) continue
      if (this.#notedRelays.size >= MAX_NOTED_RELAYS) this.#notedRelays.clear()
      this.#notedRelays.add(relay)
      const log = this.#node?.logger.forComponent('parley:node-service')
      noteDiscoveredRelay(this.#init.db, relay, Date.now())
        .then(async (outcome) => { if (outcome === 'added') await this.#applyRelays() })
        .catch((err: unknown) => {
          if (!this.#stopped) log?.error('could not note discovered relay %s - %e', relay, err)
        })
    }
  }

  /**
   * Measures bulk throughput to a contact over the direct connection
   * (`/parley/speedtest/1.0.0`): diagnostics, and the bridge benchmark.
   */
  async speedTest (contactId: ContactId, bytes: number): Promise<{ bytes: number, ms: number }> {
    const contact = await getContact(this.#init.db, contactId)
    if (contact == null) throw new UnknownContactError(t('errors.unknownContact'))
    const node = this.#node
    const connection = node == null ? undefined : bestConnection(node, peerIdFromString(contact.peerId))
    if (node == null || connection == null || isRelayed(connection)) {
      throw new NotDirectError(t('errors.speedTestNotDirect'))
    }
    return node.services.speedtest.run(connection, bytes)
  }

  /**
   * Received messages: only from unblocked contacts we accepted or asked. The tabs hear
   * of a message as its DB write starts; the ack waits for the write.
   */
  readonly #inbox: ChatInbox = {
    receive: async (from, message) => {
      const contact = await this.#contacts.byPeerId(from.toString())
      // 'requested': we asked them; they write only once they have us as a contact
      if (contact == null || contact.blocked || (contact.state !== 'accepted' && contact.state !== 'requested')) return 'not-a-contact'
      const input = {
        id: message.id as MessageId,
        contactId: contact.id,
        fromPeerId: from.toString(),
        body: message.text,
        sentAt: message.sentAt,
        receivedAt: Date.now()
      }
      if (message.file != null) return this.#receiveFile({ ...input, file: message.file })
      const stored = storeIncoming(this.#init.db, input)
      this.#init.onMessage?.({ kind: 'received', message: incomingRow(input) })
      try {
        return await stored
      } catch (err) {
        this.#init.onMessage?.({ kind: 'dropped', contactId: contact.id, id: input.id })
        throw err
      }
    }
  }

  /** A received file offer goes to the transfer manager, which stores it with its transfer row. */
  async #receiveFile (input: IncomingFile): Promise<'stored' | 'duplicate'> {
    if (this.#transfers == null) throw new NotReachableError(t('errors.transfersStarting'))
    return this.#transfers.receive(input)
  }

  #updateAddresses (): void {
    const node = this.#node
    if (node == null) return
    const addresses = node.getMultiaddrs().map(ma => ma.toString()).filter(isCircuitAddress)
    this.#noteReservations(addresses)
    const wasOnline = this.#status.phase === 'online'
    const online = addresses.length > 0
    this.#setStatus({
      phase: online ? 'online' : 'offline',
      addresses,
      relays: this.#relays.map(r => ({ multiaddr: r, reserved: addresses.some(a => circuitRelayAddress(a) === r) })),
      ...(online ? { error: undefined } : {})
    })
    if (online && !wasOnline) this.#greeter?.greetAll()
  }

  /** A tab offering to host WebRTC appeared: retry upgrades that failed for want of one. */
  onRtcHostsChanged (): void {
    this.#upgrader?.retryAll()
  }

  #updatePath (peerId: PeerId): void {
    const node = this.#node
    if (node == null) return
    const key = peerId.toString()
    const path = pathTo(node, peerId)
    if (this.#status.paths[key] === path) return
    const paths = { ...this.#status.paths }
    if (path == null) delete paths[key]
    else paths[key] = path
    this.#setStatus({ paths })
  }


}

export function shortPeerId (peerId: string): string {
  return `${peerId.slice(0, 6)}…${peerId.slice(-4)}`
}

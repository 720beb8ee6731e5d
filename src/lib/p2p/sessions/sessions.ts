/**
 * The sessions with each peer (docs/security.md): sealing an outgoing item
 * into a box of the peer's current session (starting one from a fetched
 * prekey bundle when there is none), and opening an arriving box with the
 * session it belongs to (starting one from the peer's init).
 *
 * The worker is the only writer. Per peer, work runs one at a time
 * (`KeyedLock`); each peer's rows are cached (at most MAX_CACHED_PEERS peers).
 * No key is used twice: a box goes on a key no stored state can derive
 * again (reserved ahead, reservations.ts), or in the transaction that
 * stores the state past it, with the next keys reserved. With `keep` the
 * box is stored there too and sent as stored every time after (a retry
 * burns no key and leaves no gap: the mailboxes' boxes); without, a retry
 * seals the item again (live chat, where the listener finds a stored item
 * by its id), and the box leaves out the KEM fields of a chain the peer
 * holds (chains.ts).
 * An opened box's state goes into the cache at once (the next box builds on
 * it) and into the database with what the box carried, in the caller's
 * transaction (`OpenedBox.commit`); when that fails the caller calls `abandon`
 * and the cache is read again from the database (once the peer's lock is
 * free); until it is committed, every write of its session keeps its key
 * (uncommitted-keys.ts), so it opens again if it has to; once it is kept, `ready`
 * readies the session for the next send (idle work a reply need not wait for).
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js'
import Dexie from 'dexie'
import type { PromiseExtended } from 'dexie'
import { KeyedLock } from '@parley/protocol/scheduling/keyed-lock'
import { decodeBox, encodeBox } from '@parley/protocol/session/box'
import { INIT_BYTES, MAX_INIT_SKIP } from '@parley/protocol/session/constants'
import { DuplicateMessageError, PrekeyError, SessionDecryptError, SessionFrameError, TooManySkippedError } from '@parley/protocol/session/errors'
import { initiate, respond } from '@parley/protocol/session/pqxdh'
import { forgetKemSecret } from '@parley/protocol/session/kem-keys'
import { ratchetDecrypt, ratchetEncrypt, settleStep, stepNeeded } from '@parley/protocol/session/ratchet'
import { equal } from '@parley/protocol/session/ratchet-state'
import { webStepAhead, webX25519 } from '@parley/protocol/session/web-x25519'
import { deleteSessionsOf, sessionsOf, writeSessions, initSeen, putInitSeen, keptBox, sessionTables } from '../../db/sessions.ts'
import { HeldChains, UnstoredChains } from './chains.ts'
import { rowsAfterOpen } from './current.ts'
import { MAX_CACHED_PEERS, SessionCache } from './cache.ts'
import { openedBox, WrittenInTransaction } from './opened-box.ts'
import { UncommittedKeys } from './uncommitted-keys.ts'
import { PrekeyKeeper } from './prekey-keeper.ts'
import { RESERVED_KEYS, SendReservations } from './reservations.ts'
import { SessionUnreadableError } from './unreadable.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { SessionRow } from '../../db/session-types.ts'
import type { FetchedBundle } from './directory.ts'
import type { OpenedBoxParts } from './opened-box.ts'
import type { OwnKeys } from './own-keys.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'
import type { Box } from '@parley/protocol/session/box'
import type { PadPolicy } from '@parley/protocol/session/padding'
import type { OpenedBox, SessionPeer, SessionsPort } from '../kernel/ports/sessions.ts'

export { SessionUnreadableError, type UnreadableReason } from './unreadable.ts'

export { MAX_CACHED_PEERS } from './cache.ts'
/** A session with one peer is reset at most this often. */
export const RESET_INTERVAL_MS = 30_000
/** A last-resort init is refused when seen again within this time (our last-resort keys live at most this long). */
export const INIT_SEEN_TTL_MS = 28 * 24 * 60 * 60 * 1000

/** A peer as the sessions know it: its PeerID, Ed25519 public key and multihash. */
export interface SessionsComponents {
  db: ParleyDb
  logger: ComponentLogger
  ownKeys: Pick<OwnKeys, 'identity'>
  prekeys: Pick<PrekeyKeeper, 'secretsFor' | 'oneTimeKeys' | 'syncAll'>
}

export interface SessionsInit {
  now?: () => number
  /** a session with `peer` was started, by either side, and stored (the holder gives it its device list, device-lists.ts; this device its notification key, notify-offers.ts); told outside any transaction, which what it starts must not join */
  started?: (peer: string) => void
}

const newId = (): string => hex(crypto.getRandomValues(new Uint8Array(16)))

export class Sessions implements SessionsPort {
  readonly #components: SessionsComponents
  readonly #log: Logger
  readonly #now: () => number
  readonly #started: (peer: string) => void
  readonly #lock = new KeyedLock<string>()
  /** peer → when we last reset our session with it (at most MAX_CACHED_PEERS) */
  readonly #resets = new Map<string, number>()
  /** sending keys the stored states have reserved (reservations.ts) */
  readonly #reserved = new SendReservations()
  /** our chains the peers hold, and theirs we have not stored yet (chains.ts) */
  readonly #held = new HeldChains()
  readonly #unstored = new UnstoredChains()
  /** the keys of boxes opened and not committed: every write keeps them (uncommitted-keys.ts) */
  readonly #uncommitted = new UncommittedKeys()
  readonly #cache: SessionCache
  /** what an opened box's commit needs (opened-box.ts) */
  readonly #boxParts: OpenedBoxParts

  constructor (components: SessionsComponents, init: SessionsInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions')
    this.#now = init.now ?? Date.now
    const started = init.started
    this.#started = started === undefined ? () => {} : (peer) => { Dexie.ignoreTransaction(() => { started(peer) }) }
    const { db } = components
    this.#cache = new SessionCache({ db, reserved: this.#reserved, unstored: this.#unstored, uncommitted: this.#uncommitted })
    this.#boxParts = { db, rowsOf: (peer) => this.#cache.get(peer), store: (row) => this.#toStore(row), uncommitted: this.#uncommitted, unstored: this.#unstored, written: new WrittenInTransaction(), started: (peer) => { this.#started(peer) }, forget: (peer) => { this.forget(peer) } }
  }

  /** Whether we have, or had, a session with `peer` (so it speaks sessions, and nothing goes to it without one). */
  async known (peer: string): Promise<boolean> {
    return this.#lock.run(peer, async () => (await this.#cache.read(peer)).length > 0)
  }

  /** Whether we have a session with `peer` to send on. */
  async hasSession (peer: string): Promise<boolean> {
    return this.#lock.run(peer, async () => (await this.#cache.read(peer)).some(r => r.current))
  }

  /**
   * The box of `item` (its key `itemKey`, and its 16-byte id) for `to`: the one
   * made before if it is kept, else a new one on the current session, which
   * `bundle` starts when there is none (it is asked only then).
   */
  async seal (to: SessionPeer, itemKey: string, itemId: Uint8Array, plaintext: Uint8Array, bundle: () => Promise<FetchedBundle>, options: { keep?: boolean, pad?: PadPolicy } = {}): Promise<Uint8Array> {
    const { db } = this.#components
    const keep = options.keep ?? true
    // kept boxes go to the mailboxes; a box that is not may go there too (receipts), and says so
    const policy = options.pad ?? (keep ? 'mailbox' : 'live')
    return this.#lock.run(to.peer, async () => {
      let rows = await this.#cache.read(to.peer)
      let current = rows.find(r => r.current)
      const fresh = current === undefined
      if (current === undefined) {
        const kept = keep ? await keptBox(db, itemKey, to.peer) : undefined
        if (kept !== undefined) return kept.bytes
        const fetched = await bundle()
        const started = initiate(this.#components.ownKeys.identity(), to, fetched.ecOneTime === undefined
          ? { signedPrekey: fetched.signed, pqPrekey: fetched.pq }
          : { signedPrekey: fetched.signed, pqPrekey: fetched.pq, oneTimePrekey: fetched.ecOneTime })
        const now = this.#now()
        current = { id: newId(), peer: to.peer, initiator: true, current: true, createdAt: now, usedAt: now, state: started.state, init: started.init }
        rows = [current, ...rows.map(r => ({ ...r, current: false }))]
        this.#log('started a session with %s', to.peer)
      }
      // a step a box we opened drew, not settled yet (its X25519 half in WebCrypto); if nothing wrote it, its chain exists in memory only (reservations.ts)
      const step = current.state.pending == null ? undefined : await webStepAhead(current.state.pending)
      const settled = fresh || keep ? undefined : this.#reserved.settleUnsaved(current, step)
      const session = settled ?? current
      const sessionRows = settled === undefined ? rows : rows.map(r => r.id === settled.id ? settled : r)
      const kem = keep || !this.#held.holds(session)
      const pad = { policy, initBytes: session.init === undefined ? 0 : INIT_BYTES }
      if (!fresh && !keep && this.#reserved.left(session) > 0) {
        // a reserved key (no stored state can derive it again): the box goes without a write
        const { state, message } = ratchetEncrypt(session.state, plaintext, itemId, undefined, { kem, step, pad })
        const used = { ...session, state, usedAt: this.#now() }
        this.#cache.remember(to.peer, sessionRows.map(r => r.id === session.id ? used : r))
        if (this.#reserved.left(used) < RESERVED_KEYS / 2) void this.ready(to.peer)
        return encodeBox(this.#box(session, itemId, message))
      }
      // one transaction: the box kept for the item if there is one, else a new box stored with the state it leaves
      let undo: (() => void) | undefined
      const sealed = await db.transaction('rw', sessionTables(db), async () => {
        const kept = keep ? await keptBox(db, itemKey, to.peer) : undefined
        if (kept !== undefined) return { bytes: kept.bytes }
        const { state, message } = ratchetEncrypt(session.state, plaintext, itemId, undefined, { kem, step, pad })
        const bytes = encodeBox(this.#box(session, itemId, message))
        const used = { ...session, state, usedAt: this.#now() }
        const next = sessionRows.map(r => r.id === session.id ? used : r)
        // stored with the next keys reserved; a session just started changes the others (no longer current), else only its own row changed
        const reserved = this.#reserved.reserve(used)
        undo = reserved.undo
        const stored = this.#uncommitted.stored(reserved.stored)
        if (fresh) await writeSessions(db, to.peer, next.map(r => r.id === used.id ? stored : this.#toStore(r)))
        else await db.sessions.put(stored)
        if (keep) await db.boxes.put({ peer: to.peer, item: itemKey, session: session.id, bytes, createdAt: this.#now() })
        return { bytes, next }
      }).catch((err: unknown) => {
        undo?.()
        throw err
      })
      if (sealed.next !== undefined) this.#cache.remember(to.peer, sealed.next)
      if (fresh) this.#started(to.peer)
      return sealed.bytes
    })
  }

  /** `peer` answered our live `box` after storing what it opened it on: it holds that chain (chains.ts). */
  answered (peer: string, box: Uint8Array): void {
    const { dh } = decodeBox(box).header
    for (const row of this.#cache.get(peer) ?? []) this.#held.heard(row, dh)
  }

  /** The box of one message of `session`, with the session's init while the peer has not answered on it. */
  #box (session: SessionRow, itemId: Uint8Array, message: Pick<Box, 'header' | 'nonce' | 'ciphertext' | 'padded'>): Box {
    return { itemId, ...message, ...(session.init === undefined ? {} : { init: session.init }) }
  }

  /**
   * Opens a box from `from`.
   *
   * @throws SessionUnreadableError saying why it does not open; nothing changes then
   */
  async open (from: SessionPeer, bytes: Uint8Array): Promise<OpenedBox> {
    let box: Box
    try {
      box = decodeBox(bytes)
    } catch (err) {
      throw new SessionUnreadableError('malformed', err instanceof SessionFrameError ? err.message : 'the box is malformed')
    }
    return this.#lock.run(from.peer, async () => {
      const rows = await this.#cache.read(from.peer)
      const tried = box.init === undefined ? rows : rows.filter(r => r.theirInit === hex(box.init?.ephemeral ?? new Uint8Array(0)))
      if (box.init !== undefined && tried.length === 0) return this.#openInit(from, box, rows)
      return this.#openOn(from, box, tried, rows)
    })
  }

  /**
   * Readies the current session with `peer` for its next send, after whatever
   * waits for the peer's lock: a box that started a chain left our side of
   * the step for then (ratchet.ts, `pending`), and it is computed now; and
   * when few sending keys are left reserved, more are (reservations.ts), so
   * that the next box goes without a write. The caller of `open` calls it
   * once the opened state is kept (its transaction done: what is written
   * here must never be a state the caller abandons). Never rejects: a failure
   * is logged, and the next send writes instead.
   */
  async ready (peer: string): Promise<void> {
    const { db } = this.#components
    await this.#lock.run(peer, async () => {
      const rows = this.#cache.get(peer)
      const current = rows?.find(r => r.current)
      if (rows === undefined || current === undefined || current.state.sendChainKey === null && current.state.pending == null) return
      const { pending } = current.state
      const ready = pending == null ? current : { ...current, state: settleStep(current.state, await webStepAhead(pending)) }
      if (this.#cache.get(peer) !== rows) return // let go while WebCrypto ran (a commit failed): read again, the next send settles the step
      if (ready !== current) this.#cache.remember(peer, rows.map(r => r.id === current.id ? ready : r))
      if (this.#reserved.left(ready) >= RESERVED_KEYS / 2) return
      const reserved = this.#reserved.reserve(ready)
      try {
        await db.sessions.put(this.#uncommitted.stored(reserved.stored))
      } catch (err) {
        reserved.undo()
        throw err
      }
    }).catch((err: unknown) => { this.#log.error('could not ready the session with %s for its next send - %e', peer, err) })
  }

  /**
   * The peer could not open our boxes: the next seal starts a new session
   * (from a new bundle), and the boxes kept for items not yet delivered are
   * made again on it. The old sessions stay for boxes of the peer's still on
   * their way. At most once per RESET_INTERVAL_MS per peer (a peer that
   * refuses every box must not make us fetch bundles in a loop); resolves
   * whether it reset.
   */
  async reset (peer: string): Promise<boolean> {
    const { db } = this.#components
    return this.#lock.run(peer, async () => {
      const last = this.#resets.get(peer)
      if (last !== undefined && this.#now() - last < RESET_INTERVAL_MS) return false
      this.#resets.delete(peer)
      this.#resets.set(peer, this.#now())
      if (this.#resets.size > MAX_CACHED_PEERS) this.#resets.delete(this.#resets.keys().next().value ?? '')
      const rows = (await this.#cache.read(peer)).map(r => ({ ...r, current: false }))
      await db.transaction('rw', sessionTables(db), async () => {
        await writeSessions(db, peer, rows.map(r => this.#toStore(r)))
        await db.boxes.where('[peer+item]').between([peer, Dexie.minKey], [peer, Dexie.maxKey]).delete()
      })
      this.#cache.remember(peer, rows)
      this.#log('reset the session with %s', peer)
      return true
    })
  }

  /** Deletes every session with `peer` and the boxes kept for it (the contact was deleted). */
  async deletePeer (peer: string): Promise<void> {
    await this.#lock.run(peer, async () => {
      const gone = await sessionsOf(this.#components.db, peer)
      await deleteSessionsOf(this.#components.db, peer)
      // their KEM keys decapsulate nothing more: out of the cache (kem-keys.ts)
      for (const row of gone) if (row.state.ourKem !== null) forgetKemSecret(row.state.ourKem.seed)
      this.#cache.forget(peer)
      this.#resets.delete(peer)
    })
  }

  /**
   * The cached rows of `peer` are no longer to be trusted (a commit failed):
   * they are read again from the database, once what holds the peer's lock
   * now is done (a box opening meanwhile would put back what it opened on).
   */
  forget (peer: string): void {
    this.#lock.run(peer, async () => { this.#cache.forget(peer) }).catch(() => { this.#cache.forget(peer) })
  }

  async #openOn (from: SessionPeer, box: Box, tried: SessionRow[], rows: SessionRow[]): Promise<OpenedBox> {
    if (tried.length === 0) throw new SessionUnreadableError('no-session', `no session with ${from.peer} to open this box on`)
    let failure: Error | undefined
    for (const row of tried) {
      try {
        const stepDh = stepNeeded(row.state, box.header) ? await webX25519(row.state.dhSecret, box.header.dh) : undefined // the step's DH, in WebCrypto
        const { state, plaintext, used } = ratchetDecrypt(row.state, box, box.itemId, { now: this.#now(), ...(stepDh === undefined ? {} : { stepDh }) })
        const opened: SessionRow = { ...row, state, usedAt: this.#now() }
        const token = this.#uncommitted.add(row.id, used)
        this.#reserved.opened(row, opened)
        if (!row.state.receiving.some(r => equal(r.dh, box.header.dh))) this.#unstored.add(from.peer, box.header.dh)
        // the peer answered on the session we started: it has our init
        if (row.initiator) delete opened.init
        return this.#opened(from, rows, opened, plaintext, { started: false, dh: box.header.dh, token }, () => Dexie.Promise.resolve())
      } catch (err) {
        if (err instanceof DuplicateMessageError) throw new SessionUnreadableError('duplicate', err.message)
        if (err instanceof TooManySkippedError) throw new SessionUnreadableError('too-far-ahead', err.message)
        if (!(err instanceof SessionDecryptError)) throw err
        failure = err
      }
    }
    throw new SessionUnreadableError('undecryptable', `no session with ${from.peer} opens this box${failure === undefined ? '' : `: ${failure.message}`}`)
  }

  async #openInit (from: SessionPeer, box: Box, rows: SessionRow[]): Promise<OpenedBox> {
    const init = box.init
    if (init === undefined) throw new Error('#openInit without an init')
    // before any key agreement: a box that starts a session skips few keys (its sender may be anyone)
    if (box.header.n > MAX_INIT_SKIP) {
      throw new SessionUnreadableError('too-far-ahead', `the init of ${from.peer} would skip ${box.header.n} keys (at most ${MAX_INIT_SKIP} for a box that starts a session)`)
    }
    const { db, prekeys } = this.#components
    const ephemeral = hex(init.ephemeral)
    const lastResortOnly = PrekeyKeeper.lastResortOnly(init)
    if (lastResortOnly && await initSeen(db, ephemeral, this.#now())) {
      throw new SessionUnreadableError('replayed-init', `${from.peer} sent an init that was opened before`)
    }
    let started: SessionRow
    let plaintext: Uint8Array
    let token: number
    try {
      const agreement = respond(this.#components.ownKeys.identity(), from, init, await prekeys.secretsFor(init))
      const decrypted = ratchetDecrypt(agreement.state, box, box.itemId, { now: this.#now() })
      const now = this.#now()
      started = { id: newId(), peer: from.peer, initiator: false, current: true, createdAt: now, usedAt: now, state: decrypted.state, theirInit: ephemeral }
      this.#reserved.opened(undefined, started)
      token = this.#uncommitted.add(started.id, decrypted.used)
      this.#unstored.add(from.peer, box.header.dh)
      plaintext = decrypted.plaintext
    } catch (err) {
      if (err instanceof PrekeyError) throw new SessionUnreadableError('unknown-prekey', err.message)
      if (err instanceof SessionDecryptError || err instanceof TooManySkippedError || err instanceof DuplicateMessageError) {
        throw new SessionUnreadableError('undecryptable', `the init of ${from.peer} does not open: ${err.message}`)
      }
      throw err
    }
    const oneTime = prekeys.oneTimeKeys(init)
    this.#log('%s started a session with us', from.peer)
    return this.#opened(from, rows, started, plaintext, { started: true, dh: box.header.dh, token }, () => {
      const used = oneTime.length === 0
        ? Dexie.Promise.resolve()
        : db.prekeys.bulkDelete(oneTime).then(() => {
          // a relay handed them out: it may need more. Started outside the caller's transaction: its
          // reads and writes come after that has committed (inside it, Dexie fails the commit early)
          void Dexie.ignoreTransaction(async () => prekeys.syncAll())
        })
      return lastResortOnly ? used.then(() => putInitSeen(db, { ephemeral, expiresAt: this.#now() + INIT_SEEN_TTL_MS }, this.#now())) : used
    })
  }

  /** The OpenedBox of `opened` (a box on it opened, or a new session `started` by the peer's init) on the chain of the peer's ratchet key `dh`. */
  #opened (from: SessionPeer, rows: SessionRow[], opened: SessionRow, plaintext: Uint8Array, { started, dh, token }: { started: boolean, dh: Uint8Array, token: number }, extra: () => PromiseExtended<void>): OpenedBox {
    const { peer } = from
    const { next, replaced } = rowsAfterOpen(rows, opened, started, from.multihash, this.#components.ownKeys.identity().multihash)
    this.#cache.remember(peer, next)
    const chainUnstored = this.#unstored.has(peer, dh)
    return openedBox(this.#boxParts, { peer, next, current: rows.find(r => r.current), opened, plaintext, started, replaced, chainUnstored, token, extra })
  }

  /** The row to write for `row`: its sending chain past what is reserved, the keys of its boxes not committed kept. */
  #toStore (row: SessionRow): SessionRow {
    return this.#uncommitted.stored(this.#reserved.stored(row))
  }
}

/**
 * Rows of the secure-session tables (schema v9; docs/security.md). They hold
 * key material: they are never exported in a backup, and deleting a contact
 * deletes its rows (`db/sessions.ts`).
 */
import type { Init } from '@parley/protocol/session/box'
import type { PrekeyKind } from '@parley/protocol/session/records'
import type { RatchetState } from '@parley/protocol/session/ratchet'

/** One double-ratchet session with a peer; a peer has at most MAX_SESSIONS_PER_PEER of them. */
export interface SessionRow {
  /** random, 32 hex digits */
  id: string
  /** the peer's PeerID (base58btc) */
  peer: string
  /** whether we started it (PQXDH initiator) */
  initiator: boolean
  /** the session we send on: the newest that opened a message, or the one we started; one per peer */
  current: boolean
  createdAt: number
  /** when a box of the peer last opened on it, or when we last sent on it */
  usedAt: number
  state: RatchetState
  /**
   * The PQXDH init our boxes carry until the peer answers on this session
   * (then the peer has it for sure, and it is dropped).
   */
  init?: Init
  /** the init's ephemeral key (hex) when the peer started it: its repeats open on this session */
  theirInit?: string
}

/**
 * One of our prekeys: the secret half of a record we published. The signed
 * EC prekey and the PQ last-resort key go to every relay; each one-time key
 * to one relay only (`relay`), so two relays never hand out the same one.
 */
export interface PrekeyRow {
  kind: PrekeyKind
  /** the record's id, unique per kind */
  id: number
  /** X25519 secret (32 bytes), or the ML-KEM-768 key pair's 64-byte seed */
  secret: Uint8Array
  /** the signed record as published (records.ts encodeRecord) */
  record: Uint8Array
  createdAt: number
  /** the relay's PeerID a one-time key was published on */
  relay?: string
  /** set when a newer key replaced this one, or (a one-time key) when its relay was seen to have handed it out: it stays until then for boxes already on their way, then goes */
  dropAt?: number
}

/** The box of one outgoing item to one peer, kept until the item is delivered, so that a retry or a second relay sends the same bytes. */
export interface BoxRow {
  /** the item's id (a message's or an event's ULID, or a group item's id) */
  item: string
  peer: string
  /** the session that made it: a replaced session's boxes are made again */
  session: string
  bytes: Uint8Array
  createdAt: number
}

/** A session init opened with our last-resort PQ key and no one-time key: a replay of it is refused until the key is gone. */
export interface InitSeenRow {
  /** the init's ephemeral key, hex */
  ephemeral: string
  expiresAt: number
}

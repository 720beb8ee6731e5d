/**
 * Keys at rest (issue 57 item 10; docs/security.md, "Keys at rest"): the
 * identity's private key, every session's ratchet state and our prekey
 * secrets are stored sealed, never as plain rows.
 *
 * The rows are sealed with XChaCha20-Poly1305 (@noble/ciphers) under a
 * 32-byte data key, itself wrapped with AES-256-GCM by a non-extractable
 * WebCrypto key that IndexedDB keeps (the `keyring` table, keyring.ts). Why
 * two keys: a row is sealed and opened inside IndexedDB transactions, which
 * end as soon as they wait on anything else, and WebCrypto only answers
 * asynchronously; so the node unwraps the data key once when it starts and
 * keeps it in memory for its life (`Vault.unlock`), and every row is sealed
 * and opened synchronously with it (microseconds: no cost worth measuring on
 * a session's setup or a mailbox drain).
 *
 * Sealing is a Dexie middleware on writes and a `reading` hook on reads, so
 * no caller sees it: a row's secret fields leave the stored row and travel
 * in `sealed` (24-byte nonce ‖ ciphertext of their encoding, below), bound
 * to the table and the row's key (a sealed value moved to another row does
 * not open). A locked vault (a tab, or the node before it started) refuses
 * to write a row with secrets rather than store them plain, and hands sealed
 * rows out as they are (tabs never read secrets).
 *
 * The cipher comes with the key (`unlock`, from keyring.ts, which only the
 * node imports: vault-cipher.ts), so a tab's copy of this module, always
 * locked, carries no cipher: every tab opens the database through
 * ParleyDb, and the shell is the first load.
 */
import { fromBase64, toBase64 } from '@parley/protocol/base64'
import type { DBCore, DBCoreMutateRequest, Middleware } from 'dexie'

/** The AEAD that seals rows: XChaCha20-Poly1305 in the node (vault-cipher.ts). */
export interface RowCipher {
  encrypt(key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** throws when the ciphertext does not open */
  decrypt(key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array
}

/**
 * A row's secrets as bytes: UTF-8 JSON in which every Uint8Array is
 * `{"$bytes":"<base64>"}` (the secrets are byte arrays, numbers, booleans,
 * null, arrays and plain objects of them: a ratchet state, a prekey's
 * secret, the identity's private key). JSON rather than a CBOR library:
 * the shell and the worker both carry this module, and a few hundred bytes
 * of JSON cost microseconds.
 */
export function encodeSecrets (secrets: Record<string, unknown>): Uint8Array {
  // the holder's own value, not `value`: JSON.stringify calls toJSON first, and a Node Buffer (a
  // Uint8Array some libraries hand out) would arrive as {"type":"Buffer","data":[…]}
  return new TextEncoder().encode(JSON.stringify(secrets, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key]
    return raw instanceof Uint8Array ? { $bytes: toBase64(raw) } : value
  }))
}

/** {@link encodeSecrets} undone; throws on anything it did not write. */
export function decodeSecrets (bytes: Uint8Array): Record<string, unknown> {
  const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
    const keys = Object.keys(value)
    const encoded = (value as { $bytes?: unknown }).$bytes
    if (keys.length !== 1 || typeof encoded !== 'string') return value
    const decoded = fromBase64(encoded)
    if (decoded === undefined) throw new Error('a sealed row holds bytes that are not base64')
    return decoded
  }) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a sealed row holds no object')
  return value as Record<string, unknown>
}

/** The tables with secrets, and which of each row's fields are secret. */
export const SECRET_FIELDS = {
  profile: ['privateKey'],
  sessions: ['state'],
  prekeys: ['secret']
} as const satisfies Record<string, readonly string[]>

export type SecretTable = keyof typeof SECRET_FIELDS

/** Each secret table's primary key, read from a row (it binds the sealed value to its row). */
const KEY_OF: Record<SecretTable, (row: Record<string, unknown>) => unknown> = {
  profile: (row) => row['id'],
  sessions: (row) => row['id'],
  prekeys: (row) => [row['kind'], row['id']]
}

const NONCE_BYTES = 24
export const DATA_KEY_BYTES = 32
const LABEL = 'parley-vault-v1'

/** A row with secrets came to be written while the vault is locked: refused, never stored plain. */
export class VaultLockedError extends Error {
  override name = 'VaultLockedError'
}

/** A sealed row did not open (altered, moved to another row, or sealed under another key). */
export class SealedRowError extends Error {
  override name = 'SealedRowError'
}

function isSecretTable (name: string): name is SecretTable {
  return Object.hasOwn(SECRET_FIELDS, name)
}

function associatedData (table: SecretTable, row: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(`${LABEL}|${table}|${JSON.stringify(KEY_OF[table](row))}`)
}

/** The data key of one database, in memory while the node runs. */
export class Vault {
  #key: Uint8Array | undefined
  #cipher: RowCipher | undefined
  readonly #random: (length: number) => Uint8Array

  constructor (random: (length: number) => Uint8Array = (length) => crypto.getRandomValues(new Uint8Array(length))) {
    this.#random = random
  }

  get unlocked (): boolean {
    return this.#key !== undefined
  }

  /** Holds `dataKey` (unwrapped by keyring.ts) and the cipher to use it with until {@link lock}. */
  unlock (dataKey: Uint8Array, cipher: RowCipher): void {
    if (dataKey.byteLength !== DATA_KEY_BYTES) throw new Error(`a vault's data key is ${DATA_KEY_BYTES} bytes`)
    this.#key = dataKey.slice()
    this.#cipher = cipher
  }

  /** Forgets the data key (the node stopped). */
  lock (): void {
    this.#key?.fill(0)
    this.#key = undefined
    this.#cipher = undefined
  }

  /**
   * `row` as stored: its secret fields sealed into `sealed`. A row that
   * carries none of them (a sealed row updated in other fields) is stored
   * as it is.
   */
  sealRow (table: SecretTable, row: Record<string, unknown>): Record<string, unknown> {
    const fields = SECRET_FIELDS[table]
    if (!fields.some(f => f in row)) return row
    const key = this.#key
    const cipher = this.#cipher
    if (key === undefined || cipher === undefined) throw new VaultLockedError(`the ${table} row's secrets cannot be stored: the vault is locked`)
    const secrets: Record<string, unknown> = {}
    const out: Record<string, unknown> = { ...row }
    for (const f of fields) {
      secrets[f] = row[f]
      delete out[f]
    }
    const nonce = this.#random(NONCE_BYTES)
    const sealed = cipher.encrypt(key, nonce, associatedData(table, row), encodeSecrets(secrets))
    const bytes = new Uint8Array(NONCE_BYTES + sealed.byteLength)
    bytes.set(nonce)
    bytes.set(sealed, NONCE_BYTES)
    out['sealed'] = bytes
    return out
  }

  /** `row` as the app knows it: its `sealed` opened back into the secret fields (as it is while locked, or when not sealed). */
  openRow<R extends Record<string, unknown> | undefined> (table: SecretTable, row: R): R {
    if (row === undefined || row === null) return row
    const sealed = row['sealed']
    const key = this.#key
    const cipher = this.#cipher
    if (!(sealed instanceof Uint8Array) || key === undefined || cipher === undefined) return row
    let secrets: Record<string, unknown>
    try {
      const plain = cipher.decrypt(key, sealed.subarray(0, NONCE_BYTES), associatedData(table, row), sealed.subarray(NONCE_BYTES))
      secrets = decodeSecrets(plain)
    } catch (err) {
      throw new SealedRowError(`a sealed ${table} row does not open with this database's key`, { cause: err })
    }
    const { sealed: _sealed, ...rest } = row
    return { ...rest, ...secrets } as R
  }
}

/** Whether a stored row is sealed. */
export function isSealed (row: unknown): boolean {
  return typeof row === 'object' && row !== null && (row as { sealed?: unknown }).sealed instanceof Uint8Array
}

/** Seals every row that an add or put writes to a secret table (the reading side: {@link Vault.openRow} as a `reading` hook). */
export function vaultMiddleware (vault: Vault): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'ParleyVault',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name)
        if (!isSecretTable(name)) return table
        return {
          ...table,
          mutate: async (req: DBCoreMutateRequest) => {
            if (req.type !== 'add' && req.type !== 'put') return table.mutate(req)
            return table.mutate({ ...req, values: req.values.map(v => vault.sealRow(name, v as Record<string, unknown>)) })
          }
        }
      }
    })
  }
}

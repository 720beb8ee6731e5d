import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { errorClass } from '../../contract/errors.ts'
import { NoProfileError, ProfileExistsError } from '../../db/errors.ts'
import { getProfile, saveNewIdentity } from '../../db/profile.ts'
import { encodeInvite, encodeShortInvite, validateName } from './invite.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ProfileRow } from '../../db/types.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

export interface IdentityComponents {
  db: ParleyDb
  /** the app's origin, for invite links */
  origin: string
  status: Pick<StatusBoard, 'current'>
  /** the account contacts know us by (on a linked device, not this device's PeerID): our invites name it */
  devices: Pick<DevicesPort, 'account' | 'holder'>
}

/**
 * A backup asked of a linked device (`backupLinkedDevice`): its key is the
 * device's, not the account's, so its file could not bring the account back
 * (docs/security.md, "Linking a device").
 */
export const BackupLinkedDeviceError = errorClass('BackupLinkedDeviceError')

/** The backup file's code: a chunk of the worker's own, loaded with the first export or restore (issue 60). */
const loadBackup = async (): Promise<typeof import('../../db/backup.ts')> => await import('../../db/backup.ts')

/**
 * Who this node is: the profile (PeerID, its Ed25519 key, the display name)
 * created in onboarding or restored from a backup file, its export, and our
 * invite. Everything else that needs the identity asks here.
 */
export class Identity implements IdentityPort {
  readonly #components: IdentityComponents
  #profile?: ProfileRow

  constructor (components: IdentityComponents) {
    this.#components = components
  }

  /** The profile, once loaded or created. */
  get profile (): ProfileRow | undefined {
    return this.#profile
  }

  /** The profile; throws NoProfileError('noProfile') before the user chose a name. */
  require (): ProfileRow {
    if (this.#profile == null) throw new NoProfileError('noProfile')
    return this.#profile
  }

  /** Our private key (the mailbox seals to it and from it). */
  privateKey (): Ed25519PrivateKey {
    return privateKeyFromProtobuf(this.require().privateKey) as Ed25519PrivateKey
  }

  /** Reads the profile from the database (none yet: undefined). */
  async load (): Promise<ProfileRow | undefined> {
    this.#profile = await getProfile(this.#components.db)
    return this.#profile
  }

  /** Onboarding: a new Ed25519 identity with this display name, the first device of its account (db/account.ts). */
  async create (username: string): Promise<ProfileRow> {
    const name = validateName(username)
    if (this.#profile != null || await getProfile(this.#components.db) != null) throw new ProfileExistsError('profileExists')
    const key = await generateKeyPair('Ed25519')
    const profile: ProfileRow = {
      id: 1,
      peerId: peerIdFromPrivateKey(key).toString(),
      privateKey: privateKeyToProtobuf(key),
      username: name,
      createdAt: Date.now()
    }
    await saveNewIdentity(this.#components.db, profile)
    this.#profile = profile
    return profile
  }

  /**
   * Restores an identity from a backup file into this browser (which must
   * not have one yet). A wrong passphrase or a damaged file throws and
   * changes nothing.
   */
  async restore (bytes: Uint8Array, passphrase: string): Promise<ProfileRow> {
    if (this.#profile != null || await getProfile(this.#components.db) != null) throw new ProfileExistsError('profileExistsRestore')
    const { readBackup, restoreBackup } = await loadBackup()
    const contents = await readBackup(bytes, passphrase)
    await restoreBackup(this.#components.db, contents)
    this.#profile = contents.profile
    return contents.profile
  }

  /**
   * This identity, its contacts and (optionally) the history as a
   * passphrase-encrypted file (db/backup.ts); only on the device holding the
   * account key.
   * @throws BackupLinkedDeviceError('backupLinkedDevice') on a linked device
   */
  async export (passphrase: string, includeHistory: boolean): Promise<Uint8Array> {
    this.require()
    const { account, holder } = this.#components.devices
    if (account !== undefined && !holder) throw new BackupLinkedDeviceError('backupLinkedDevice')
    const { exportBackup } = await loadBackup()
    return exportBackup(this.#components.db, passphrase, { includeHistory })
  }

  /**
   * Our invites (docs/protocols.md, "Invites"): the short link, which names
   * only our PeerID and name (its check says we speak sessions); and the full
   * invite with our circuit addresses and `"s": true`, once we hold at least
   * one reservation (undefined before). Both name the account: on a linked
   * device, only the short link (its addresses are the device's).
   */
  invite (): { link: string, invite?: string } {
    const profile = this.require()
    const { addresses } = this.#components.status.current
    const { account, holder } = this.#components.devices
    const link = encodeShortInvite(account ?? profile.peerId, profile.username, this.#components.origin)
    // a linked device's circuit addresses are its own, not the account's: its invite is the short link, which contacts look up
    if (addresses.length === 0 || (account !== undefined && !holder)) return { link }
    return { link, invite: encodeInvite({ peerId: profile.peerId, name: profile.username, addresses, sessions: true }, this.#components.origin) }
  }
}

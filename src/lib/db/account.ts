/**
 * The account this device belongs to (schema v13; docs/protocols.md,
 * "Linked devices: the device list"): one row, `id` 1, beside the profile.
 *
 * The profile is this device: its libp2p key and PeerID. The account is the
 * identity contacts know (invites, the safety number), whose key signs the
 * device list. On the device that holds the account key, the first device,
 * the two PeerIDs are one: every identity so far. The row holds no secret
 * (the list is public, the account key stays in the profile), so it is not
 * sealed, and a tab reads it as it is.
 *
 * The worker writes it: onboarding and restore make it with the profile
 * (one transaction), the v13 upgrade makes it from an existing profile, and
 * the node's devices feature signs the list into it (p2p/devices).
 */
import type { DeviceEntry, SignedDeviceList } from '@parley/protocol/devices/list'
import type { DevicesView } from '../contract/device-types.ts'
import type { ParleyDb } from './db.ts'
import type { ProfileRow } from './types.ts'

export interface AccountRow {
  /** Always 1: one account per browser profile. */
  id: 1
  /** The account's PeerID (base58btc): what contacts know. */
  account: string
  /** Whether this device holds the account's key (it is the account's first device, and signs the list). */
  holder: boolean
  /** What the person calls this device: 0 to 64 UTF-16 units, trimmed (docs/protocols.md); '' until named. */
  deviceName: string
  /** The account's newest signed list this device holds; absent until the holder's node signed one. */
  list?: SignedDeviceList
  /**
   * `list`'s version; without a list, the version the next one must pass
   * (0, or the one a restored backup carried), so that versions only grow.
   */
  version: number
  /**
   * On a linked device: the account's newer list (`version`, taken `at`, ms
   * since the epoch) no longer names this device. The node does not run
   * from then on; the tab offers to erase the device. Not indexed.
   */
  removed?: { version: number, at: number }
}

/**
 * The account row of a new identity, or of one that predates accounts: it
 * is its own account's first device and holds the key. `deviceName` and
 * `version` come from a restored backup (else '' and 0).
 */
export function accountOfProfile (profile: Pick<ProfileRow, 'peerId'>, carried: { deviceName?: string | undefined, version?: number | undefined } = {}): AccountRow {
  return { id: 1, account: profile.peerId, holder: true, deviceName: carried.deviceName ?? '', version: carried.version ?? 0 }
}

/** The account row, or undefined before onboarding. */
export async function getAccount (db: ParleyDb): Promise<AccountRow | undefined> {
  return db.account.get(1)
}

/**
 * What the Settings screen shows: the devices of the held list (read from
 * its body, which the node checked before storing it; nothing here verifies
 * a signature), each marked when it is this device. Before the first list,
 * this device alone, as the first.
 */
export function devicesView (row: AccountRow, profile: Pick<ProfileRow, 'peerId' | 'createdAt'>): DevicesView {
  const listed = row.list === undefined ? undefined : listedDevices(row.list.body)
  const devices = listed ?? [{ peer: profile.peerId, name: row.deviceName, added: profile.createdAt }]
  return {
    account: row.account,
    device: profile.peerId,
    holder: row.holder,
    deviceName: row.deviceName,
    version: row.list === undefined ? 0 : row.version,
    removed: row.removed !== undefined,
    devices: devices.map(d => ({ ...d, thisDevice: d.peer === profile.peerId }))
  }
}

/** The devices a stored list's body names; undefined when it does not read as one (a damaged row). */
function listedDevices (body: string): DeviceEntry[] | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  const devices = (parsed as { devices?: unknown } | null)?.devices
  if (!Array.isArray(devices)) return undefined
  const out: DeviceEntry[] = []
  for (const d of devices as unknown[]) {
    const { peer, name, added } = (d ?? {}) as Record<string, unknown>
    if (typeof peer !== 'string' || typeof name !== 'string' || typeof added !== 'number') return undefined
    out.push({ peer, name, added })
  }
  return out
}

/** What Settings shows (a tab's live read): the account and its devices, or undefined before onboarding. */
export async function readDevicesView (db: ParleyDb): Promise<DevicesView | undefined> {
  return db.transaction('r', [db.profile, db.account], async () => {
    const profile = await db.profile.get(1)
    if (profile === undefined) return undefined
    return devicesView(await db.account.get(1) ?? accountOfProfile(profile), profile)
  })
}

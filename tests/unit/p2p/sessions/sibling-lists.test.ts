/**
 * Our account's list to our own devices (src/lib/p2p/sessions/sibling-lists.ts;
 * docs/protocols.md, "Our list to our own devices"; issue 58). On a linked
 * device, a devices box from the account's PeerID (the holder) is opened on
 * its session and its list taken only when it opens under the ACCOUNT key
 * and is newer: a forged list, another account's list, a malformed payload
 * are refused ('invalid', the box abandoned, nothing stored); an older list
 * and the held one are acknowledged and change nothing; another body of the
 * held version is refused; a newer list is stored, and one without this
 * device marks it removed and tells `devices:removed`. Only the account's
 * PeerID speaks for it, and never to the holder. On the holder: the devices
 * its list names are offered it, and so are those a newer list dropped.
 * A real ParleyDb on fake-indexeddb, the real devices feature, real
 * Ed25519 keys; the sessions are a stand-in that opens every box.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { signDeviceList } from '@parley/protocol/devices/list'
import { encodeDevicesPayload } from '@parley/protocol/devices/wire'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getAccount } from '../../../../src/lib/db/account.ts'
import { saveNewIdentity } from '../../../../src/lib/db/profile.ts'
import { Devices } from '../../../../src/lib/p2p/devices/devices.ts'
import { Identity } from '../../../../src/lib/p2p/identity/identity.ts'
import { SessionUnreadableError } from '../../../../src/lib/p2p/sessions/unreadable.ts'
import { SiblingLists, siblingReply } from '../../../../src/lib/p2p/sessions/sibling-lists.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { SignedDeviceList } from '@parley/protocol/devices/list'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ProfileRow } from '../../../../src/lib/db/types.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { OpenedBox } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'

const NOW = 1_764_424_800_000
const BOX = new Uint8Array([1, 2, 3])
let db: ParleyDb
let told: Array<[string, number]>

beforeEach(async () => {
  db = await openTestDb()
  told = []
})
afterEach(() => { db.close() })

interface Key { key: Ed25519PrivateKey, peer: string }

async function newKey (): Promise<Key> {
  const key = await generateKeyPair('Ed25519')
  return { key, peer: peerIdFromPrivateKey(key).toString() }
}

function profileOf ({ key, peer }: Key): ProfileRow {
  return { id: 1, peerId: peer, privateKey: privateKeyToProtobuf(key), username: 'Alice', createdAt: NOW - 86_400_000 }
}

/** `account`'s list of `version` naming it first and `others`, signed by its key. */
function signed (account: Key, others: string[], version: number, name = ''): SignedDeviceList {
  return signDeviceList(account.key.raw.subarray(0, 32), {
    account: account.peer, version, at: version, devices: [{ peer: account.peer, name, added: 1 }, ...others.map(peer => ({ peer, name: 'Phone', added: 2 }))]
  }).signed
}

async function startedDevices (): Promise<Devices> {
  const identity = new Identity({ db, origin: 'https://parley.example', status: { current: { addresses: [] } } as never, devices: { account: undefined, holder: false } })
  await identity.load()
  const events = new TypedEventEmitter<ParleyEvents>()
  events.addEventListener('devices:changed', ({ detail }) => { told.push(['changed', detail.version]) })
  events.addEventListener('devices:removed', ({ detail }) => { told.push(['removed', detail.version]) })
  const devices = new Devices({ db, identity, logger: defaultLogger(), events, kernel: { eraseDevice: async () => {} } }, { now: () => NOW })
  await devices.start()
  return devices
}

/** Sessions that open every box as `plaintext` (or fail as `unreadable`), counting commits and abandons. */
function sessionsOf (plaintext: () => Uint8Array, unreadable?: SessionUnreadableError): { open: (peer: unknown, box: Uint8Array) => Promise<OpenedBox>, seal: () => Promise<never>, ready: () => Promise<void>, commits: number, abandons: number } {
  const fake = {
    commits: 0,
    abandons: 0,
    open: async (): Promise<OpenedBox> => {
      if (unreadable !== undefined) throw unreadable
      return {
        plaintext: plaintext(),
        session: 's1',
        started: false,
        replaced: false,
        chainUnstored: false,
        commit: async () => { fake.commits++ },
        abandon: () => { fake.abandons++ }
      }
    },
    seal: async (): Promise<never> => { throw new Error('not sealed here') },
    ready: async () => {}
  }
  return fake
}

function siblingsOf (devices: Devices, sessions: ReturnType<typeof sessionsOf>): SiblingLists {
  return new SiblingLists({ db, devices, sessions: sessions as never, contactBook: { byPeerId: async () => undefined }, prekeyDirectory: {} as never, relayList: {} as never }, defaultLogger().forComponent('test'))
}

describe('a linked device taking its account\'s list from the holder', () => {
  /** This device (`me`) linked to `account`'s list of `version`, naming it. */
  async function linked (version = 10): Promise<{ devices: Devices, account: Key, me: Key }> {
    const account = await newKey()
    const me = await newKey()
    const list = signed(account, [me.peer], version)
    await db.transaction('rw', db.profile, db.account, async () => {
      await db.profile.add(profileOf(me))
      await db.account.add({ id: 1, account: account.peer, holder: false, deviceName: 'Phone', list, version })
    })
    return { devices: await startedDevices(), account, me }
  }

  it('takes a box only from the account\'s PeerID', async () => {
    const { devices, account, me } = await linked()
    const sibling = siblingsOf(devices, sessionsOf(() => new Uint8Array()))
    expect(sibling.fromOurAccount(account.peer)).toBe(true)
    expect(sibling.fromOurAccount(me.peer)).toBe(false)
    expect(sibling.fromOurAccount((await newKey()).peer)).toBe(false)
  })

  it('refuses a forged list, another account\'s list and a malformed payload: the box abandoned, nothing stored', async () => {
    const { devices, account, me } = await linked(10)
    const before = await getAccount(db)
    const stranger = await newKey()
    const payloads = [
      // a newer body under the signature of another (a list made without the account key)
      encodeDevicesPayload({ body: signed(account, [me.peer, stranger.peer], 11).body, sig: signed(account, [me.peer], 11).sig }),
      // another account's own list, well signed
      encodeDevicesPayload(signed(stranger, [me.peer], 11)),
      new TextEncoder().encode('{"type":"devices"}')
    ]
    for (const payload of payloads) {
      const sessions = sessionsOf(() => payload)
      expect(await siblingsOf(devices, sessions).receive(peerIdFromString(account.peer), BOX)).toEqual({ type: 'reject', reason: 'invalid' })
      expect([sessions.commits, sessions.abandons]).toEqual([0, 1])
    }
    expect(await getAccount(db)).toEqual(before)
    expect(told).toEqual([])
  })

  it('acknowledges an older list and the held one without storing; another body of the held version is refused', async () => {
    const { devices, account, me } = await linked(10)
    const before = await getAccount(db)
    const cases: Array<[SignedDeviceList, unknown]> = [
      [signed(account, [me.peer], 9), { type: 'ack', status: 'older' }],
      [signed(account, [me.peer], 10), { type: 'ack', status: 'same' }],
      [signed(account, [me.peer], 10, 'other body'), { type: 'reject', reason: 'invalid' }]
    ]
    for (const [list, reply] of cases) {
      expect(await siblingsOf(devices, sessionsOf(() => encodeDevicesPayload(list))).receive(peerIdFromString(account.peer), BOX)).toEqual(reply)
    }
    expect(await getAccount(db)).toEqual(before)
    expect(devices.removed).toBe(false)
    expect(told).toEqual([])
  })

  it('stores a newer list (a device linked since becomes a sibling); one without this device marks it removed', async () => {
    const { devices, account, me } = await linked(10)
    const tablet = await newKey()
    const sessions = sessionsOf(() => encodeDevicesPayload(signed(account, [me.peer, tablet.peer], 11)))
    expect(await siblingsOf(devices, sessions).receive(peerIdFromString(account.peer), BOX)).toEqual({ type: 'ack', status: 'stored' })
    expect(sessions.commits).toBe(1)
    expect((await getAccount(db))?.version).toBe(11)
    expect(devices.ownList()?.devices.map(d => d.peer)).toEqual([account.peer, me.peer, tablet.peer])

    const without = signed(account, [tablet.peer], 12)
    expect(await siblingsOf(devices, sessionsOf(() => encodeDevicesPayload(without))).receive(peerIdFromString(account.peer), BOX)).toEqual({ type: 'ack', status: 'stored' })
    expect(await getAccount(db)).toMatchObject({ version: 12, list: without, removed: { version: 12, at: NOW } })
    expect(devices.removed).toBe(true)
    expect(told).toEqual([['changed', 11], ['removed', 12]])
    // removed stays removed: a later list is refused, and nothing changes
    expect(await siblingsOf(devices, sessionsOf(() => encodeDevicesPayload(signed(account, [me.peer], 13)))).receive(peerIdFromString(account.peer), BOX)).toEqual({ type: 'reject', reason: 'not-a-contact' })
    expect((await getAccount(db))?.version).toBe(12)
  })

  it('a box that does not open stores nothing; one taken before is acknowledged', async () => {
    const { devices, account } = await linked(10)
    const before = await getAccount(db)
    const stale = sessionsOf(() => new Uint8Array(), new SessionUnreadableError('no-session', 'no session'))
    expect(await siblingsOf(devices, stale).receive(peerIdFromString(account.peer), BOX)).toEqual({ type: 'reject', reason: 'session' })
    const again = sessionsOf(() => new Uint8Array(), new SessionUnreadableError('duplicate', 'taken before'))
    expect(await siblingsOf(devices, again).receive(peerIdFromString(account.peer), BOX)).toEqual({ type: 'ack', status: 'same' })
    expect(await getAccount(db)).toEqual(before)
  })
})

describe('the holder\'s own devices', () => {
  it('offers its list to the devices it names, and to one a newer list dropped; a linked device\'s PeerID is not "our account" to it', async () => {
    const me = await newKey()
    const phone = await newKey()
    const tablet = await newKey()
    await saveNewIdentity(db, profileOf(me))
    const devices = await startedDevices()
    await devices.addDevice(phone.peer, 'Phone')
    const sibling = siblingsOf(devices, sessionsOf(() => new Uint8Array()))
    sibling.start()
    await devices.addDevice(tablet.peer, 'Tablet')
    sibling.noteList()
    expect([sibling.targets(phone.peer), sibling.targets(tablet.peer), sibling.targets(me.peer)]).toEqual([true, true, false])

    await devices.removeDevice(phone.peer)
    sibling.noteList()
    // the phone is told once more (that it was removed)
    expect([sibling.targets(phone.peer), sibling.targets(tablet.peer)]).toEqual([true, true])
    expect(sibling.fromOurAccount(me.peer)).toBe(false)
    expect(sibling.targets((await newKey()).peer)).toBe(false)
  })

  it('answers each outcome of taking a list as the protocol says', () => {
    expect(siblingReply('newer')).toEqual({ type: 'ack', status: 'stored' })
    expect(siblingReply('removed')).toEqual({ type: 'ack', status: 'stored' })
    expect(siblingReply('same')).toEqual({ type: 'ack', status: 'same' })
    expect(siblingReply('older')).toEqual({ type: 'ack', status: 'older' })
    expect(siblingReply('conflict')).toEqual({ type: 'reject', reason: 'invalid' })
    expect(siblingReply('ignored')).toEqual({ type: 'reject', reason: 'not-a-contact' })
  })
})

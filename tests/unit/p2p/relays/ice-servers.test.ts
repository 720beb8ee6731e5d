import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { rejectionWords } from '../../../support/words.ts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import { IceServers, LIBP2P_DEFAULT_STUN_URLS } from '../../../../src/lib/p2p/relays/ice-servers.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { IceServer } from '../../../../src/lib/p2p/kernel/app-config.ts'

const TURN = { url: 'turn:127.0.0.1:3478?transport=udp', username: 'alice', credential: 's3cret' }
const TURN_ICE = { urls: [TURN.url], username: 'alice', credential: 's3cret' }
const SERVED = [{ urls: ['stun:stun.example.org:3478'] }, { urls: 'turns:turn.example.org', username: 'op', credential: 'pw' }]

let db: ParleyDb
let ice: IceServers
/** the served config's iceServers, as the node read them */
let served: { iceServers?: IceServer[] }

beforeEach(async () => {
  db = await openTestDb()
  served = {}
  ice = new IceServers({ db, served })
  await ice.load()
})
afterEach(() => { db.close() })

describe('IceServers.rtcConfiguration', () => {
  it('with no served list and no TURN servers of the user: {} (libp2p fills in its default STUN servers)', () => {
    expect(ice.rtcConfiguration()).toEqual({})
  })

  it('with only a served list: that list ([] = host candidates only)', () => {
    served.iceServers = []
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [] })
    served.iceServers = SERVED
    expect(ice.rtcConfiguration()).toEqual({ iceServers: SERVED })
  })

  it('puts the user\'s TURN servers after the served ones', async () => {
    served.iceServers = SERVED
    await ice.add(TURN)
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [...SERVED, TURN_ICE] })
  })

  it('keeps libp2p\'s default STUN servers in front when the config names none', async () => {
    await ice.add(TURN)
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [{ urls: [...LIBP2P_DEFAULT_STUN_URLS] }, TURN_ICE] })
  })

  it('a TURN server added or removed applies to the next configuration, without a restart', async () => {
    served.iceServers = []
    const before = ice.rtcConfiguration()
    const id = await ice.add(TURN)
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [TURN_ICE] })
    await ice.remove(id)
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [] })
    expect(before).toEqual({ iceServers: [] })
  })

  it('reads the TURN servers another instance stored (the node restarted)', async () => {
    await ice.add(TURN)
    const restarted = new IceServers({ db, served: { iceServers: [] } })
    await restarted.load()
    expect(restarted.rtcConfiguration()).toEqual({ iceServers: [TURN_ICE] })
  })

  it('returns a new object each time: libp2p writes into the one it gets', async () => {
    served.iceServers = SERVED
    await ice.add(TURN)
    const first = ice.rtcConfiguration()
    first.iceServers?.push({ urls: 'stun:evil.example' })
    const urls = first.iceServers?.[0]?.urls
    if (Array.isArray(urls)) urls.push('stun:evil.example')
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [...SERVED, TURN_ICE] })
  })

  it('refuses a bad server and keeps the configuration as it was', async () => {
    served.iceServers = []
    expect(await rejectionWords(ice.add({ ...TURN, url: 'stun:stun.example.org' }))).toMatch(/STUN address/)
    expect(ice.rtcConfiguration()).toEqual({ iceServers: [] })
    expect(await db.turnServers.count()).toBe(0)
  })
})

describe('LIBP2P_DEFAULT_STUN_URLS', () => {
  it('is the list @libp2p/webrtc uses when a configuration has no iceServers', async () => {
    // not exported by the package: read its constants module
    const entry = createRequire(import.meta.url).resolve('@libp2p/webrtc')
    const constants = await readFile(join(dirname(entry), 'constants.js'), 'utf8')
    const list = /DEFAULT_ICE_SERVERS = \[([^\]]*)\]/.exec(constants)?.[1]
    expect(list).toBeDefined()
    expect([...(list ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual([...LIBP2P_DEFAULT_STUN_URLS])
  })
})

import { timeoutsOf } from '../../../src/lib/contract/define.ts'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { addUserRelay, listRelays, removeRelay, setRelayActive } from '../../../src/lib/db/relays.ts'
import { relayInfo } from '../../../src/lib/p2p/relays/network-snapshot.ts'
import type { HandlerContext, Handlers } from '../../../src/lib/contract/define.ts'
import { MAX_RELAY_PARAM_CHARS } from '../../../src/lib/contract/ids.ts'
import { relaysMethods } from '../../../src/lib/contract/methods/relays.ts'
import { SchemaError } from '../../../src/lib/contract/schema.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { NetworkSnapshot } from '../../../src/lib/contract/index.ts'
import { openTestDb } from '../db/helpers.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { rejection } from '../../support/words.ts'

/*
 * The relay messages of the Network panel over a real MessageChannel, with
 * handlers that do what the worker's do minus libp2p: the server checks the
 * params against the contract (contract/methods/relays.ts), the handlers
 * write the `relays` table (fake-indexeddb). The node's part (dialing,
 * hanging up) is covered by the integration and e2e tests.
 */

const relayContract = { methods: relaysMethods, events: {} }
type RelayContract = typeof relayContract
const addressParams = relaysMethods.addRelay.params
const activeParams = relaysMethods.setRelayActive.params

const PEER = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const RELAY = `/ip4/127.0.0.1/tcp/9090/ws/p2p/${PEER}`
const fail = (): never => { throw new Error('not used') }

class RelayUnreachableError extends Error { override name = 'RelayUnreachableError' }

describe('relay params in the contract', () => {
  it('accept exactly { multiaddr } and { multiaddr, active }', () => {
    expect(addressParams.parse({ multiaddr: RELAY })).toEqual({ multiaddr: RELAY })
    expect(addressParams.parse({ multiaddr: '' })).toEqual({ multiaddr: '' })
    expect(activeParams.parse({ multiaddr: RELAY, active: false })).toEqual({ multiaddr: RELAY, active: false })
    for (const bad of [undefined, null, RELAY, [RELAY], {}, { multiaddr: 1 }, { multiaddr: RELAY, extra: 1 },
      { multiaddr: 'x'.repeat(MAX_RELAY_PARAM_CHARS + 1) }]) {
      expect(() => addressParams.parse(bad)).toThrow(SchemaError)
    }
    for (const bad of [{ multiaddr: RELAY }, { multiaddr: RELAY, active: 'yes' }, { multiaddr: 2, active: true }, { active: true }]) {
      expect(() => activeParams.parse(bad)).toThrow(SchemaError)
    }
  })

  it('say in words what the call needs', () => {
    expect(() => addressParams.parse({ address: RELAY })).toThrow(
      expect.objectContaining({ name: 'SchemaError', message: 'params must be exactly { multiaddr }: unexpected key "address"' }))
    expect(() => addressParams.parse({ multiaddr: 7 })).toThrow(`params.multiaddr must be text of at most ${MAX_RELAY_PARAM_CHARS} characters, not the number 7`)
    expect(() => activeParams.parse({ multiaddr: RELAY })).toThrow('params must be exactly { multiaddr, active }: "active" is missing')
  })
})

describe('relay messages over MessageChannel', () => {
  let db: ParleyDb
  let server: RpcServer<RelayContract>
  let client: RpcClient<RelayContract>
  let channel: MessageChannel
  const testSignals: AbortSignal[] = []

  function handlers (): Handlers<RelayContract> {
    const snapshot = async (): Promise<NetworkSnapshot> => ({
      addresses: [],
      reachability: 'unreachable',
      reservations: 0,
      directConnections: 0,
      dht: { running: false },
      connections: [],
      relays: (await listRelays(db)).map(row => relayInfo(row, { connected: false, reserved: false }))
    })
    return {
      getNetwork: snapshot,
      listRelays: async () => ({ relays: (await snapshot()).relays }),
      addRelay: async ({ multiaddr }) => relayInfo(await addUserRelay(db, multiaddr), { connected: false, reserved: false }),
      testRelay: async ({ multiaddr }, { signal }: HandlerContext) => {
        testSignals.push(signal)
        if (multiaddr.includes('/tcp/9/')) throw new RelayUnreachableError('The relay is unreachable: nothing accepted a connection at this address.')
        // hangs until the caller gives up, like a dial to an address that never answers
        return new Promise<{ rtt: number }>((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) })
      },
      setRelayActive: async ({ multiaddr, active }) => {
        await setRelayActive(db, multiaddr, active)
        return null
      },
      removeRelay: async ({ multiaddr }) => ({ outcome: await removeRelay(db, multiaddr) }),
      addTurnServer: fail,
      removeTurnServer: fail
    }
  }

  beforeEach(async () => {
    db = await openTestDb()
    server = new RpcServer(relayContract, handlers(), { log: vi.fn() })
    channel = new MessageChannel()
    server.addPort(channel.port2)
    client = new RpcClient(timeoutsOf(relayContract), channel.port1, { log: vi.fn() })
  })

  afterEach(() => {
    client.close()
    server.close()
    channel.port1.close()
    channel.port2.close()
    db.close()
    testSignals.length = 0
  })

  it('adds, lists, disables and removes a relay', async () => {
    await expect(client.call('addRelay', { multiaddr: RELAY })).resolves.toEqual({
      multiaddr: RELAY, peerId: PEER, source: 'user', active: true, state: 'connecting', failures: 0
    })
    await client.call('setRelayActive', { multiaddr: RELAY, active: false })
    expect((await client.call('listRelays')).relays).toEqual([expect.objectContaining({ multiaddr: RELAY, state: 'disabled', active: false })])
    await expect(client.call('removeRelay', { multiaddr: RELAY })).resolves.toEqual({ outcome: 'removed' })
    expect((await client.call('getNetwork')).relays).toEqual([])
  })

  it('brings the refusals back by name, in words, and stores nothing', async () => {
    const garbage = await rejection(client.call('addRelay', { multiaddr: 'garbage' }))
    expect(garbage).toMatchObject({ name: 'InvalidRelayAddressError', code: 'relayAddressInvalid', params: { address: 'garbage', problem: 'relayProblemNotFull' } })
    expect(textOfError(garbage)).toBe('The relay address "garbage" is not a full multiaddr ending in /p2p/<PeerID>.')
    await client.call('addRelay', { multiaddr: RELAY })
    const duplicate = await rejection(client.call('addRelay', { multiaddr: RELAY }))
    expect(duplicate).toMatchObject({ name: 'DuplicateRelayError', code: 'relayDuplicate' })
    expect(textOfError(duplicate)).toBe('This relay is already in your list.')
    // a malformed call from a tab that is not ours
    await expect(client.call('addRelay', { multiaddr: 7 } as unknown as { multiaddr: string })).rejects.toMatchObject({ name: 'InvalidParamsError', code: 'invalidParams' })
    await expect(client.call('setRelayActive', { multiaddr: `${RELAY}x`, active: true })).rejects.toMatchObject({ name: 'UnknownRelayError' })
    expect((await listRelays(db)).map(r => r.multiaddr)).toEqual([RELAY])
  })

  it('a failed test comes back as its error class; a test the caller gives up on is cancelled in the worker', async () => {
    await expect(client.call('testRelay', { multiaddr: `/ip4/127.0.0.1/tcp/9/ws/p2p/${PEER}` })).rejects.toMatchObject({
      name: 'RelayUnreachableError', message: expect.stringMatching(/unreachable/)
    })
    const controller = new AbortController()
    const call = client.call('testRelay', { multiaddr: RELAY }, { signal: controller.signal })
    await vi.waitFor(() => { expect(testSignals).toHaveLength(2) })
    controller.abort()
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
    await vi.waitFor(() => { expect(testSignals[1]?.aborted).toBe(true) })
    expect(server.inflightCount).toBe(0)
  })
})

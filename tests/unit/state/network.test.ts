/**
 * The Network panel's state (state/network.svelte.ts) over a fake node whose
 * answers the test gives by hand, with fake timers for the poll: one request
 * at a time, nothing once stopped, the last good snapshot kept beside an
 * error, and the relay actions. Status events come through a fake follower:
 * Vitest runs rune modules compiled for the server, where effects never run.
 */
import { UNKNOWN_CAPABILITIES } from '../../../src/lib/contract/index.ts'
import { fakeCall } from '../../support/fake-node.ts'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NetworkSnapshot, NodeStatus, RelayInfo } from '../../../src/lib/rpc/protocol.ts'
import type { CallOptions } from '../../../src/lib/rpc/client.ts'
import { EXAMPLE_ADDRESS, NetworkManager, NO_SENTENCE, type NetworkNode, type StatusFollower } from '../../../src/lib/state/network.svelte.ts'

const POLL_MS = 2_000
const PEER = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const SERVED = `/dns4/relay.example.org/tcp/443/wss/p2p/${PEER}`
const MINE = `/ip4/127.0.0.1/tcp/9090/ws/p2p/${PEER}`
const PLAIN_TCP = 'The relay address "/ip4/1.2.3.4/tcp/4001/p2p/…" is plain TCP, which a browser cannot dial; use the relay\'s WebSocket address.'

function relay (multiaddr: string, extra: Partial<RelayInfo> = {}): RelayInfo {
  return { multiaddr, peerId: PEER, source: 'user', active: true, state: 'connected', failures: 0, ...extra }
}

function snapshotOf (relays: RelayInfo[], addresses: string[] = []): NetworkSnapshot {
  return { addresses, reachability: 'relayed', reservations: 1, directConnections: 0, dht: { running: false }, connections: [], relays }
}

/** A promise the test settles, with the signal its call was given. */
interface Pending<T> {
  resolve: (value: T) => void
  reject: (err: unknown) => void
  signal: AbortSignal | undefined
}

/** A node whose getNetwork and testRelay calls wait for the test; the other actions answer at once. */
class FakeNode implements NetworkNode {
  readonly status: NodeStatus = { phase: 'online', addresses: [], relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} }
  readonly statusListeners = new Set<() => void>()
  readonly snapshots: Array<Pending<NetworkSnapshot>> = []
  readonly tests: Array<Pending<number>> = []
  readonly calls: string[] = []
  /** the next addRelay / setRelayActive / removeRelay rejects with this */
  failWith: Error | undefined
  removeOutcome: 'removed' | 'disabled' = 'removed'

  /** Follows status events as an effect on the status rune would: at once, then on each. */
  readonly followStatus: StatusFollower = (listener) => {
    this.statusListeners.add(listener)
    listener()
    return () => { this.statusListeners.delete(listener) }
  }

  /** A status event from the node. */
  emitStatus (): void {
    for (const listener of this.statusListeners) listener()
  }

  async getNetwork (options: CallOptions = {}): Promise<NetworkSnapshot> {
    return new Promise((resolve, reject) => { this.snapshots.push({ resolve, reject, signal: options.signal }) })
  }

  async testRelay (multiaddr: string, options: CallOptions = {}): Promise<number> {
    this.calls.push(`testRelay ${multiaddr}`)
    return new Promise((resolve, reject) => { this.tests.push({ resolve, reject, signal: options.signal }) })
  }

  #answer (call: string): void {
    this.calls.push(call)
    const err = this.failWith
    this.failWith = undefined
    if (err !== undefined) throw err
  }

  async addRelay (multiaddr: string): Promise<RelayInfo> {
    this.#answer(`addRelay ${multiaddr}`)
    // the node refuses an address a browser cannot dial (db/relays.ts), as the worker does
    if (multiaddr.includes('/tcp/4001/')) throw Object.assign(new Error(PLAIN_TCP), { name: 'InvalidRelayAddressError' })
    return relay(multiaddr)
  }

  async setRelayActive (multiaddr: string, active: boolean): Promise<void> {
    this.#answer(`setRelayActive ${multiaddr} ${active}`)
  }

  async removeRelay (multiaddr: string): Promise<'removed' | 'disabled'> {
    this.#answer(`removeRelay ${multiaddr}`)
    return this.removeOutcome
  }

  /** The contract's call, answered by the methods above. */
  readonly call = fakeCall({
    getNetwork: async (_params, options) => this.getNetwork(options),
    testRelay: async ({ multiaddr }, options) => ({ rtt: await this.testRelay(multiaddr, options) }),
    addRelay: async ({ multiaddr }) => this.addRelay(multiaddr),
    setRelayActive: async ({ multiaddr, active }) => { await this.setRelayActive(multiaddr, active); return null },
    removeRelay: async ({ multiaddr }) => ({ outcome: await this.removeRelay(multiaddr) })
  }).call as NetworkNode['call']
}

/** Lets the promise callbacks queued so far run (the manager's awaits). */
async function settle (): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}

let node: FakeNode
let network: NetworkManager

beforeEach(() => {
  vi.useFakeTimers()
  // handleError logs every failure it words; these failures are made up
  vi.spyOn(console, 'error').mockImplementation(() => undefined)
  node = new FakeNode()
  network = new NetworkManager(node, { pollMs: POLL_MS, followStatus: node.followStatus })
})

afterEach(() => {
  network.reset()
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** Starts the manager and answers its first request with `snapshot`. */
async function started (snapshot: NetworkSnapshot): Promise<void> {
  network.start()
  expect(node.snapshots).toHaveLength(1)
  node.snapshots[0]?.resolve(snapshot)
  await settle()
  expect(network.snapshot).toBe(snapshot)
}

describe('NetworkManager: the poll', () => {
  it('asks nothing before start, then at once, every poll interval and on every status event', async () => {
    await network.refresh()
    vi.advanceTimersByTime(3 * POLL_MS)
    expect(node.snapshots).toHaveLength(0)

    await started(snapshotOf([]))
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(node.snapshots).toHaveLength(2)
    node.snapshots[1]?.resolve(snapshotOf([]))
    await settle()

    node.emitStatus()
    expect(node.snapshots).toHaveLength(3)
  })

  it('keeps one request in flight: asked again meanwhile, it asks once more after the answer', async () => {
    await started(snapshotOf([]))
    node.emitStatus()
    expect(node.snapshots).toHaveLength(2)
    // three ticks and two status events while the request waits
    await vi.advanceTimersByTimeAsync(3 * POLL_MS)
    node.emitStatus()
    void network.refresh()
    expect(node.snapshots).toHaveLength(2)

    const second = snapshotOf([relay(SERVED)])
    node.snapshots[1]?.resolve(second)
    await settle()
    expect(network.snapshot).toBe(second)
    // exactly one more, at once
    expect(node.snapshots).toHaveLength(3)
    node.snapshots[2]?.resolve(snapshotOf([]))
    await settle()
    expect(node.snapshots).toHaveLength(3)
  })

  it('keeps the last good snapshot when a request fails, says why, and clears that on the next answer', async () => {
    const good = snapshotOf([relay(SERVED)])
    await started(good)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    node.snapshots[1]?.reject(Object.assign(new Error('The node is not running.'), { name: 'NodeNotRunningError' }))
    await settle()
    expect(network.snapshot).toBe(good)
    expect(network.relays).toEqual([relay(SERVED)])
    expect(network.loadError).toBe('The node is not running.')

    await vi.advanceTimersByTimeAsync(POLL_MS)
    const next = snapshotOf([])
    node.snapshots[2]?.resolve(next)
    await settle()
    expect(network.snapshot).toBe(next)
    expect(network.loadError).toBe('')
  })

  it('stops when closed: the request in flight is aborted and its answer ignored, and nothing more is asked', async () => {
    const first = snapshotOf([])
    await started(first)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    const inFlight = node.snapshots[1]
    expect(inFlight?.signal?.aborted).toBe(false)

    network.stop()
    expect(inFlight?.signal?.aborted).toBe(true)
    inFlight?.resolve(snapshotOf([relay(SERVED)]))
    await settle()
    expect(network.snapshot).toBe(first)

    await vi.advanceTimersByTimeAsync(5 * POLL_MS)
    node.emitStatus()
    await network.refresh()
    expect(node.snapshots).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('shows no error for the request a stop aborted', async () => {
    await started(snapshotOf([]))
    await vi.advanceTimersByTimeAsync(POLL_MS)
    network.stop()
    node.snapshots[1]?.reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }))
    await settle()
    expect(network.loadError).toBe('')
  })

  it('reset stops and forgets the snapshot, the form and the outcomes; start begins again', async () => {
    await started(snapshotOf([relay(MINE)]))
    network.address = `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`
    expect(await network.add()).toBe(false)
    expect(network.addProblem.text).toBe(PLAIN_TCP)
    void network.test(relay(MINE))
    expect(network.outcomes[MINE]?.text).toBe('Testing…')

    network.reset()
    expect(network.snapshot).toBeUndefined()
    expect(network.relays).toEqual([])
    expect(network.address).toBe('')
    expect(network.addProblem).toEqual(NO_SENTENCE)
    expect(network.outcomes).toEqual({})
    expect(network.busy).toEqual({})
    expect(node.tests[0]?.signal?.aborted).toBe(true)

    network.start()
    expect(node.snapshots).toHaveLength(2)
    expect(node.snapshots[1]?.signal?.aborted).toBe(false)
  })
})

describe('NetworkManager: adding a relay', () => {
  it('refuses an empty address here, sending nothing; the node\'s refusal of an undialable one shows next to the field', async () => {
    await started(snapshotOf([]))
    expect(await network.add()).toBe(false)
    expect(network.addProblem).toEqual({ text: 'Enter the relay\'s address, like {example}', values: { example: EXAMPLE_ADDRESS } })
    expect(node.calls).toEqual([])

    const plainTcp = `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`
    network.address = plainTcp
    expect(await network.add()).toBe(false)
    expect(network.addProblem).toEqual({ text: PLAIN_TCP, values: {} })
    expect(network.addError).toBe('')
    expect(network.address).toBe(plainTcp)
    expect(network.addDone).toEqual(NO_SENTENCE)
    expect(node.calls).toEqual([`addRelay ${plainTcp}`])
  })

  it('adds a good one (trimmed), clears the field, says so and refreshes; a refusal from the node is shown', async () => {
    await started(snapshotOf([]))
    network.address = `  ${MINE} `
    expect(await network.add()).toBe(true)
    expect(node.calls).toEqual([`addRelay ${MINE}`])
    expect(network.address).toBe('')
    expect(network.addProblem).toEqual(NO_SENTENCE)
    expect(network.addDone).toEqual({ text: 'Added {address}. Parley connects to it now.', values: { address: MINE } })
    expect(network.addBusy).toBe(false)
    expect(node.snapshots).toHaveLength(2)
    node.snapshots[1]?.resolve(snapshotOf([relay(MINE)]))
    await settle()

    network.address = MINE
    node.failWith = Object.assign(new Error('This relay is already in your list.'), { name: 'RelayExistsError' })
    expect(await network.add()).toBe(true)
    expect(network.addError).toBe('This relay is already in your list.')
    expect(network.addDone).toEqual(NO_SENTENCE)
    expect(network.address).toBe(MINE)
  })
})

describe('NetworkManager: relay actions', () => {
  it('tests a relay: "Testing…", then the round trip; one action per relay at a time; then a fresh snapshot', async () => {
    await started(snapshotOf([relay(MINE)]))
    const testing = network.test(relay(MINE))
    expect(network.outcomes[MINE]).toEqual({ ok: true, text: 'Testing…' })
    expect(network.busy[MINE]).toBe(true)
    // a second click while it runs does nothing
    await network.test(relay(MINE))
    await network.toggle(relay(MINE))
    expect(node.calls).toEqual([`testRelay ${MINE}`])

    node.tests[0]?.resolve(41.6)
    await testing
    expect(network.outcomes[MINE]).toEqual({ ok: true, text: 'Works: round trip 42 ms.' })
    expect(network.busy).toEqual({})
    expect(node.snapshots).toHaveLength(2)
  })

  it('a failed test says why, as an error outcome of that relay only', async () => {
    await started(snapshotOf([relay(MINE), relay(SERVED, { source: 'default' })]))
    const testing = network.test(relay(MINE))
    node.tests[0]?.reject(Object.assign(new Error('The relay is unreachable.'), { name: 'RelayUnreachableError' }))
    await testing
    expect(network.outcomes).toEqual({ [MINE]: { ok: false, text: 'The relay is unreachable.' } })
  })

  it('toggles and removes, saying what a removal did; outcomes of relays no longer listed are forgotten', async () => {
    await started(snapshotOf([relay(MINE), relay(SERVED, { source: 'default' })]))
    await network.toggle(relay(MINE))
    expect(node.calls).toEqual([`setRelayActive ${MINE} false`])
    node.failWith = new Error('Could not save.')
    await network.toggle(relay(SERVED, { active: false }))
    expect(node.calls.at(-1)).toBe(`setRelayActive ${SERVED} true`)
    expect(network.outcomes[SERVED]).toEqual({ ok: false, text: 'Could not save.' })

    node.removeOutcome = 'disabled'
    await network.remove(relay(SERVED, { source: 'default' }))
    expect(network.listDone).toEqual({ text: 'Disabled {address}: it comes with the app, so it stays listed.', values: { address: SERVED } })
    // an action that ends well clears the relay's earlier outcome
    expect(network.outcomes[SERVED]).toBeUndefined()
    node.removeOutcome = 'removed'
    await network.remove(relay(MINE))
    expect(network.listDone).toEqual({ text: 'Removed {address}.', values: { address: MINE } })
    expect(node.calls.at(-1)).toBe(`removeRelay ${MINE}`)
  })

  it('forgets the outcome of a relay the next snapshot no longer lists', async () => {
    await started(snapshotOf([relay(MINE), relay(SERVED, { source: 'default' })]))
    for (const [i, address] of [MINE, SERVED].entries()) {
      const testing = network.test(relay(address))
      node.tests[i]?.resolve(10)
      await testing
    }
    expect(Object.keys(network.outcomes).sort()).toEqual([MINE, SERVED].sort())
    // each action asked for a snapshot: the first is in flight, the second waits for it
    node.snapshots[1]?.resolve(snapshotOf([relay(SERVED, { source: 'default' })]))
    await settle()
    expect(Object.keys(network.outcomes)).toEqual([SERVED])
    expect(node.snapshots).toHaveLength(3)
  })
})

/**
 * mailboxSeal's one choice for a peer we never had a session with: a box
 * (its bundle fetched, from a relay or, when we are connected to it, from the
 * peer itself), the static seal (its relays hold no prekeys of its: an older
 * app), or waiting (a relay that may hold them could not be asked).
 * A passing failure must never send an item without forward secrecy.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { UnsupportedProtocolError } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PrekeysRefusedError } from '@parley/protocol/prekeys/client'
import { BUNDLE_STAGGER_MS, BundleUnavailableError, PrekeysAwaitedError, mailboxSeal } from '../../../../src/lib/p2p/sessions/bundles.ts'
import { sessionPeerOf } from '../../../../src/lib/p2p/sessions/chat-boxes.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { FetchedBundle } from '../../../../src/lib/p2p/sessions/directory.ts'
import type { ContactRow } from '../../../../src/lib/db/types.ts'

const PEER = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relay = (n: number): string => `/dns4/r${n}.example/tcp/443/wss/p2p/12D3KooWRelay${n}`
const THEIRS = [relay(1), relay(2)]
const OURS = [relay(3)]
const BOX = new Uint8Array([2, 1, 2, 3])
const BUNDLE = { signed: { id: 7 } } as unknown as FetchedBundle

/** What a relay answers a FETCH ('silent': nothing until its request is ended, or `late` if the run is given one). */
type Answer = 'bundle' | 'not-found' | 'old-relay' | 'unreachable' | 'rate-limited' | 'timeout' | 'silent'
const ANSWERS: readonly Answer[] = ['bundle', 'not-found', 'old-relay', 'unreachable', 'rate-limited', 'timeout']
const SAYS_NONE: ReadonlySet<Answer> = new Set(['not-found', 'old-relay'])

/** Each answer as the relay directory gives it. */
const ANSWER: Record<Answer, (signal: AbortSignal) => Promise<FetchedBundle>> = {
  bundle: async () => BUNDLE,
  'not-found': async () => { throw new PrekeysRefusedError('not-found', '') },
  'old-relay': async () => { throw new UnsupportedProtocolError('Protocol selection failed - could not negotiate /parley/prekeys/1.0.0') },
  unreachable: async () => { throw new Error('the dial failed') },
  'rate-limited': async () => { throw new PrekeysRefusedError('rate-limited', '') },
  timeout: async () => { throw new DOMException('the operation timed out', 'TimeoutError') },
  silent: async (signal) => new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

interface Run { result: Uint8Array | undefined | Error, asked: string[], sealed: FetchedBundle[] }

/** The peer itself, when we are connected to it: it answers a FETCH of its own bundle as a relay would. */
type OwnerAnswer = Answer | 'not-connected'

async function run (answers: Record<string, Answer>, init: { contact?: string[], ours?: string[], named?: string[], known?: boolean, speaks?: boolean, saidInGroup?: boolean, signal?: AbortSignal, owner?: OwnerAnswer, asked?: string[], ended?: string[], late?: Promise<FetchedBundle> } = {}): Promise<Run> {
  const asked: string[] = init.asked ?? []
  const sealed: FetchedBundle[] = []
  const contactRelays = init.contact ?? THEIRS
  const components: Parameters<typeof mailboxSeal>[0] = {
    contactBook: {
      byPeerId: async (peer: string) => peer === PEER.toString() && contactRelays.length > 0
        ? { peerId: peer, addresses: contactRelays.map(r => `${r}/p2p-circuit/p2p/${peer}`), ...(init.speaks === true ? { sessions: true } : {}) } as unknown as ContactRow
        : undefined
    },
    groupBook: { saidSessions: async (peer: string) => peer === PEER.toString() && init.saidInGroup === true },
    relayList: { active: () => init.ours ?? OURS },
    prekeyDirectory: {
      fetch: async (relay: string, _owner, signal: AbortSignal) => {
        asked.push(relay)
        signal.addEventListener('abort', () => { init.ended?.push(relay) }, { once: true })
        const answer = answers[relay] ?? 'unreachable'
        return answer === 'silent' && init.late !== undefined ? init.late : ANSWER[answer](signal)
      },
      fromOwner: async (owner: string, signal: AbortSignal) => {
        const answer = init.owner ?? 'not-connected'
        if (answer === 'not-connected') return undefined
        asked.push(`owner ${owner}`)
        return ANSWER[answer](signal)
      }
    },
    sessions: {
      known: async () => init.known ?? false,
      seal: async (_to, _key, _id, _plaintext, bundle) => { sealed.push(await bundle()); return BOX }
    }
  }
  const item = { key: '01JD0000000000000000000001', id: new Uint8Array(16), plaintext: new Uint8Array([1]) }
  const result = await mailboxSeal(components, testLogger().forComponent('test'), sessionPeerOf(PEER), item, init.named ?? [], { signal: init.signal })
    .catch((err: unknown) => err instanceof Error ? err : new Error(String(err)))
  return { result, asked, sealed }
}

describe('mailboxSeal, for a peer we never had a session with', () => {
  it('its relays hold no prekeys of its (an older app): the static seal, without a session', async () => {
    const { result, asked, sealed } = await run({ [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'old-relay', [OURS[0]!]: 'unreachable' })
    expect(result).toBeUndefined()
    expect(asked).toEqual([...THEIRS, ...OURS])
    expect(sealed).toEqual([])
  })

  it('one of its relays could not be asked: the item waits (an error), not under the static seal', async () => {
    const runs = await Promise.all((['unreachable', 'rate-limited', 'timeout'] as const).map(async passing =>
      run({ [THEIRS[0]!]: passing, [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' })))
    for (const { result, sealed } of runs) {
      expect(result).toBeInstanceOf(BundleUnavailableError)
      expect((result as BundleUnavailableError).none).toBe(false)
      expect(sealed).toEqual([])
    }
  })

  it('a bundle from any relay asked (ours too) starts a session: a box', async () => {
    const { result, asked, sealed } = await run({ [THEIRS[0]!]: 'timeout', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'bundle' })
    expect(result).toBe(BOX)
    expect(asked).toEqual([...THEIRS, ...OURS])
    expect(sealed).toEqual([BUNDLE])
  })

  it('the mailboxes a group member named come first and count as its own relays', async () => {
    const named = [relay(4)]
    const waits = await run({ [named[0]!]: 'unreachable', [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'not-found' }, { named })
    expect(waits.asked[0]).toBe(named[0])
    expect(waits.result).toBeInstanceOf(BundleUnavailableError)
    const none = await run({ [named[0]!]: 'not-found', [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'not-found' }, { named })
    expect(none.result).toBeUndefined()
  })

  it('with no relay of its known (a member who is no contact and named none), ours tell', async () => {
    expect((await run({ [OURS[0]!]: 'not-found' }, { contact: [] })).result).toBeUndefined()
    expect((await run({ [OURS[0]!]: 'unreachable' }, { contact: [] })).result).toBeInstanceOf(BundleUnavailableError)
  })

  it('no relay at all to ask: the item waits', async () => {
    const { result } = await run({}, { contact: [], ours: [] })
    expect((result as Error).message).toMatch(/no relay to fetch the prekeys/)
  })

  it('stopping (the signal aborted) throws the abort, not a fallback', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stopping'))
    const { result } = await run({ [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' }, { signal: controller.signal })
    expect(result).toEqual(new Error('stopping'))
  })

  it('connected to the peer, whose relays hand out no bundle (down, shutting down, holding none): its own, from it, starts the session', async () => {
    for (const failing of ['unreachable', 'not-found', 'rate-limited'] as const) {
      const { result, asked, sealed } = await run({ [THEIRS[0]!]: failing, [THEIRS[1]!]: 'unreachable', [OURS[0]!]: 'timeout' }, { owner: 'bundle' })
      expect(result).toBe(BOX)
      expect(asked).toEqual([...THEIRS, ...OURS, `owner ${PEER.toString()}`])
      expect(sealed).toEqual([BUNDLE])
    }
  })

  it('a relay\'s bundle (with one-time keys) comes first: the peer itself is not asked', async () => {
    const { result, asked } = await run({ [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'bundle' }, { owner: 'bundle' })
    expect(result).toBe(BOX)
    expect(asked).toEqual(THEIRS)
  })

  describe('a relay that does not answer', () => {
    afterEach(() => { vi.useRealTimers() })

    it('holds up the next one BUNDLE_STAGGER_MS, not its whole timeout: the next one\'s bundle starts the session, and the silent one\'s request is ended', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
      const asked: string[] = []
      const ended: string[] = []
      const running = run({ [THEIRS[0]!]: 'silent', [THEIRS[1]!]: 'bundle' }, { asked, ended, owner: 'bundle' })
      await vi.advanceTimersByTimeAsync(BUNDLE_STAGGER_MS - 1)
      expect(asked).toEqual([THEIRS[0]])
      await vi.advanceTimersByTimeAsync(1)
      const { result, sealed } = await running
      expect(result).toBe(BOX)
      expect(sealed).toEqual([BUNDLE])
      expect(asked).toEqual(THEIRS)
      expect(ended).toEqual([THEIRS[0], THEIRS[1]])
    })

    it('one after another, then the peer itself: its own bundle, once every relay had BUNDLE_STAGGER_MS; one that fails meanwhile starts the next at once', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
      const asked: string[] = []
      const running = run({ [THEIRS[0]!]: 'silent', [THEIRS[1]!]: 'unreachable', [OURS[0]!]: 'silent' }, { asked, owner: 'bundle' })
      await vi.advanceTimersByTimeAsync(BUNDLE_STAGGER_MS)
      expect(asked).toEqual([...THEIRS, ...OURS])
      await vi.advanceTimersByTimeAsync(BUNDLE_STAGGER_MS)
      const { result, sealed } = await running
      expect(result).toBe(BOX)
      expect(sealed).toEqual([BUNDLE])
      expect(asked).toEqual([...THEIRS, ...OURS, `owner ${PEER.toString()}`])
    })

    it('is waited for when the others fail: its late bundle still starts the session', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
      let answer: ((bundle: FetchedBundle) => void) | undefined
      const late = new Promise<FetchedBundle>((resolve) => { answer = resolve })
      const asked: string[] = []
      const running = run({ [THEIRS[0]!]: 'silent', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' }, { asked, late })
      await vi.advanceTimersByTimeAsync(3 * BUNDLE_STAGGER_MS)
      expect(asked).toEqual([...THEIRS, ...OURS])
      answer?.(BUNDLE)
      const { result, sealed } = await running
      expect(result).toBe(BOX)
      expect(sealed).toEqual([BUNDLE])
    })
  })

  it('every mix of answers, the peer\'s own too: a box when one had a bundle; the static seal only when every relay of its, and the peer if connected, said it holds none; else the item waits', async () => {
    const relays = [...THEIRS, ...OURS]
    const mixes = relays.reduce<Answer[][]>((so) => so.flatMap(mix => ANSWERS.map(a => [...mix, a])), [[]])
    expect(mixes).toHaveLength(ANSWERS.length ** relays.length)
    const owners: readonly OwnerAnswer[] = ['not-connected', ...ANSWERS]
    const outcome = ({ result, sealed }: Run): string =>
      result === BOX && sealed.length === 1 ? 'box' : result === undefined && sealed.length === 0 ? 'static seal' : result instanceof BundleUnavailableError && sealed.length === 0 ? 'waits' : `${String(result)}, ${sealed.length} sealed`
    const expected = (answers: Answer[], owner: OwnerAnswer): string =>
      answers.includes('bundle') || owner === 'bundle'
        ? 'box'
        : answers.slice(0, THEIRS.length).every(a => SAYS_NONE.has(a)) && (owner === 'not-connected' || SAYS_NONE.has(owner)) ? 'static seal' : 'waits'
    const got: string[] = []
    const want: string[] = []
    for (const owner of owners) {
      for (const answers of mixes) {
        got.push(`${answers.join()}, ${owner}: ${outcome(await run(Object.fromEntries(relays.map((r, i) => [r, answers[i]!])), { owner }))}`)
        want.push(`${answers.join()}, ${owner}: ${expected(answers, owner)}`)
      }
    }
    expect(got).toEqual(want)
  })
})

describe('mailboxSeal, for a peer we had a session with', () => {
  it('only boxes go to it: when its session must start again, its relays holding nothing means waiting for its keys, never the static seal', async () => {
    const { result, sealed } = await run({ [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' }, { known: true, owner: 'not-found' })
    expect(result).toBeInstanceOf(PrekeysAwaitedError)
    expect((result as PrekeysAwaitedError).cause).toBeInstanceOf(BundleUnavailableError)
    expect(sealed).toEqual([])
  })
})

describe('mailboxSeal, for a peer whose hello said it speaks sessions (issue 57, item 1)', () => {
  // On the old code a relay that answered not-found to every FETCH of a contact's prekeys (before
  // any session: first contact, a restored identity, a contact added again) got its items as plain
  // JSON under the static seal. Now they wait, and go in a box once a bundle is there.
  it('every relay, ours and the peer itself answer not-found: the item waits for its keys, nothing is sealed', async () => {
    const { result, asked, sealed } = await run({ [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'old-relay', [OURS[0]!]: 'not-found' }, { speaks: true, owner: 'not-found' })
    expect(result).toBeInstanceOf(PrekeysAwaitedError)
    expect((result as PrekeysAwaitedError).peer).toBe(PEER.toString())
    expect(asked).toEqual([...THEIRS, ...OURS, `owner ${PEER.toString()}`])
    expect(sealed).toEqual([])
  })

  it('a passing failure waits as before (not as "no keys"), and a bundle from any source, the peer itself included, is a box', async () => {
    const passing = await run({ [THEIRS[0]!]: 'unreachable', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' }, { speaks: true })
    expect(passing.result).toBeInstanceOf(BundleUnavailableError)
    expect((passing.result as BundleUnavailableError).none).toBe(false)
    const later = await run({ [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' }, { speaks: true, owner: 'bundle' })
    expect(later.result).toBe(BOX)
    expect(later.sealed).toEqual([BUNDLE])
  })
})

describe('mailboxSeal, for a group member (not a contact) whose signed profile said it speaks sessions (issue 57, item 1)', () => {
  // On the old code only a hello or a session told that a peer speaks sessions: a group member who is not
  // a contact, and with whom no session existed yet, got its group items under the static seal whenever
  // its prekeys were hidden. Now its profile operation's "sessions" holds it to boxes as a hello does.
  it('no source holds its prekeys: the item waits for its keys, nothing is sealed', async () => {
    const answers = { [THEIRS[0]!]: 'not-found', [THEIRS[1]!]: 'not-found', [OURS[0]!]: 'not-found' } as const
    const before = await run(answers, { contact: [], named: [...THEIRS], owner: 'not-found' })
    expect(before.result).toBeUndefined()
    const { result, sealed } = await run(answers, { contact: [], named: [...THEIRS], owner: 'not-found', saidInGroup: true })
    expect(result).toBeInstanceOf(PrekeysAwaitedError)
    expect(sealed).toEqual([])
  })
})

/**
 * `/parley/link-rendezvous/1.0.0` through a real relay (docs/protocols.md,
 * "The short code"): a device holding a reservation deposits a sealed offer
 * under its code's id, another peer gets it back by the same id and opens it;
 * a wrong id is `not-found`; entries expire on the relay's clock (injected
 * and moved by hand) and are then `expired`; a third GET spends an entry
 * (`used`), as does its owner's DELETE; limits per peer, per GET miss and the
 * reservation rule refuse with their codes and change nothing.
 */
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, vi } from 'vitest'
import { linkRendezvousRequest } from '@parley/protocol/link-code/client'
import { LINK_RENDEZVOUS_PROTOCOL, decodeLinkRendezvousReply, encodeLinkRendezvousRequest } from '@parley/protocol/link-code/codec'
import { linkCodeId, openLinkOffer, sealLinkOffer } from '@parley/protocol/link-code/seal'
import { newShortCode } from '@parley/protocol/link-code/short-code'
import { LINK_RENDEZVOUS_TOMBSTONE_MS, LINK_RENDEZVOUS_TTL_MS } from '../src/link-rendezvous/store.ts'
import { client, hasCircuit, metric, relay, useRelayTestDir } from './helpers.ts'
import type { RelayNode } from '../src/index.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

useRelayTestDir()

const WAIT = { timeout: 10_000, interval: 50 }
const OFFER = 'parley-link:eyJ2IjoxfQ'

interface Person { node: Libp2p, connection: Connection }

/** A clock the test moves by hand. */
function handClock (): { now: () => number, advance: (ms: number) => void } {
  let at = Date.now()
  return { now: () => at, advance: (ms) => { at += ms } }
}

/** A client connected to the relay over WebSockets; `reserve`: waits for its reservation (as a new device does). */
async function person (r: RelayNode, reserve = true): Promise<Person> {
  const node = await client()
  const connection = await node.dial(multiaddr(r.wsMultiaddrs[0] ?? ''))
  if (reserve) await vi.waitFor(() => { expect(hasCircuit(node)).toBe(true) }, WAIT)
  return { node, connection }
}

/** A new device's deposit of `code` on relay `r`. */
async function deposit (p: Person, r: RelayNode, code: string, offer = OFFER): Promise<number> {
  const reply = await linkRendezvousRequest(p.connection, { op: 'put', id: linkCodeId(code, r.peerId), box: sealLinkOffer(code, r.peerId, offer) })
  return reply.ttlS
}

async function fetchOffer (p: Person, r: RelayNode, code: string): Promise<string> {
  const reply = await linkRendezvousRequest(p.connection, { op: 'get', id: linkCodeId(code, r.peerId) })
  return openLinkOffer(code, r.peerId, reply.box)
}

describe('link rendezvous on a relay', () => {
  it('keeps a deposited offer under its id for another peer to open; a wrong code finds nothing', async () => {
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 })
    const [n, a] = [await person(r), await person(r, false)]
    const code = newShortCode()
    expect(await deposit(n, r, code)).toBe(600)
    expect(await fetchOffer(a, r, code)).toBe(OFFER)
    await expect(fetchOffer(a, r, newShortCode())).rejects.toMatchObject({ name: 'LinkRendezvousRefusedError', code: 'not-found' })
    // a renewal by its owner replaces the box
    await deposit(n, r, code, `${OFFER}2`)
    expect(await fetchOffer(a, r, code)).toBe(`${OFFER}2`)
    // nobody else may put under the same id
    const other = await person(r)
    await expect(deposit(other, r, code)).rejects.toMatchObject({ code: 'taken' })
    expect(await metric(r, 'parley_link_rendezvous_entries')).toBe(1)
    expect(await metric(r, 'parley_link_rendezvous_puts_total')).toBe(2)
    expect(await metric(r, 'parley_link_rendezvous_gets_total{result="found"}')).toBe(2)
    expect(await metric(r, 'parley_link_rendezvous_gets_total{result="not-found"}')).toBe(1)
    expect(await metric(r, 'parley_link_rendezvous_rejections_total{code="taken"}')).toBe(1)
  })

  it('is given out three times, then says used; the owner\'s DELETE spends it too', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const [n, a] = [await person(r), await person(r, false)]
    const code = newShortCode()
    await deposit(n, r, code)
    for (let i = 0; i < 3; i++) expect(await fetchOffer(a, r, code)).toBe(OFFER)
    await expect(fetchOffer(a, r, code)).rejects.toMatchObject({ code: 'used' })
    // and its owner cannot bring it back
    await expect(deposit(n, r, code)).rejects.toMatchObject({ code: 'used' })

    const second = newShortCode()
    await deposit(n, r, second)
    // only the owner withdraws it
    expect(await linkRendezvousRequest(a.connection, { op: 'delete', id: linkCodeId(second, r.peerId) })).toEqual({ op: 'delete', removed: false })
    expect(await fetchOffer(a, r, second)).toBe(OFFER)
    expect(await linkRendezvousRequest(n.connection, { op: 'delete', id: linkCodeId(second, r.peerId) })).toEqual({ op: 'delete', removed: true })
    await expect(fetchOffer(a, r, second)).rejects.toMatchObject({ code: 'used' })
  })

  it('expires 10 minutes after the last PUT on the relay\'s clock, says expired for 10 more, then not-found', async () => {
    const clock = handClock()
    const r = await relay({ webrtcDirectPort: null }, { now: clock.now })
    const [n, a] = [await person(r), await person(r, false)]
    const code = newShortCode()
    await deposit(n, r, code)
    clock.advance(LINK_RENDEZVOUS_TTL_MS - 1_000)
    // renewed just before its end: good for another 10 minutes
    await deposit(n, r, code)
    clock.advance(LINK_RENDEZVOUS_TTL_MS - 1_000)
    expect(await fetchOffer(a, r, code)).toBe(OFFER)
    clock.advance(1_000)
    await expect(fetchOffer(a, r, code)).rejects.toMatchObject({ code: 'expired' })
    clock.advance(LINK_RENDEZVOUS_TOMBSTONE_MS)
    await expect(fetchOffer(a, r, code)).rejects.toMatchObject({ code: 'not-found' })
    // the owner may deposit afresh once its entry expired; it holds one live entry again
    await deposit(n, r, code)
    expect(await fetchOffer(a, r, code)).toBe(OFFER)
  })

  it('refuses a deposit without a reservation, past 2 live entries a peer, and GETs past 10 misses a peer, changing nothing', async () => {
    const clock = handClock()
    const r = await relay({ webrtcDirectPort: null, metricsPort: 0 }, { now: clock.now })
    const [n, a] = [await person(r), await person(r, false)]
    await expect(deposit(a, r, newShortCode())).rejects.toMatchObject({ code: 'not-reserved' })
    const [c1, c2, c3] = [newShortCode(), newShortCode(), newShortCode()]
    await deposit(n, r, c1)
    await deposit(n, r, c2)
    await expect(deposit(n, r, c3)).rejects.toMatchObject({ code: 'too-many' })
    expect(await metric(r, 'parley_link_rendezvous_entries')).toBe(2)

    // ten wrong codes are told not-found, the eleventh rate-limited (the clock stands still)
    for (let i = 0; i < 10; i++) await expect(fetchOffer(a, r, newShortCode())).rejects.toMatchObject({ code: 'not-found' })
    await expect(fetchOffer(a, r, newShortCode())).rejects.toMatchObject({ code: 'rate-limited' })
    // a code that is there is still given out: guessing costs, knowing does not
    expect(await fetchOffer(a, r, c1)).toBe(OFFER)
    // one more miss a minute
    clock.advance(60_000)
    await expect(fetchOffer(a, r, newShortCode())).rejects.toMatchObject({ code: 'not-found' })
    await expect(fetchOffer(a, r, newShortCode())).rejects.toMatchObject({ code: 'rate-limited' })
    expect(await metric(r, 'parley_link_rendezvous_rejections_total{code="rate-limited"}')).toBe(2)
  })

  it('answers a malformed request with bad-request and an oversize one with too-large', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const n = await person(r)
    const ask = async (frame: Uint8Array): Promise<unknown> => {
      const stream = await n.connection.newStream(LINK_RENDEZVOUS_PROTOCOL)
      const frames = lpStream(stream)
      await frames.write(frame)
      const reply = await frames.read()
      try {
        return decodeLinkRendezvousReply('get', reply.subarray())
      } catch (err) {
        return err
      }
    }
    expect(await ask(Uint8Array.of(2, 1, 2, 3))).toMatchObject({ code: 'bad-request' })
    const big = encodeLinkRendezvousRequest({ op: 'get', id: new Uint8Array(16) })
    expect(await ask(Uint8Array.from([...big, ...new Uint8Array(5000)]))).toMatchObject({ code: 'too-large' })
  })
})

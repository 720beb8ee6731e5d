import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAILBOX_DRAIN_GAP_MS, MailboxCourier } from '../../../../src/lib/p2p/messaging/courier.ts'
import { MAX_RECEIPT_IDS, decodeReceipts, encodeReceipts, receiptsId } from '../../../../src/lib/p2p/messaging/receipts.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { CourierComponents } from '../../../../src/lib/p2p/messaging/courier.ts'
import type { Libp2pEvents, PeerId } from '@libp2p/interface'

const RELAY_A = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('mailbox courier helpers', () => {
  it('reads a receipts payload only when it is exactly one', () => {
    const ids = ['01ARZ3NDEKTSV4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FAW']
    expect(decodeReceipts(encode({ type: 'receipts', ids }))).toEqual({ type: 'receipts', ids })
    expect(decodeReceipts(encodeReceipts(ids))).toEqual({ type: 'receipts', ids })
    for (const bad of [
      { type: 'receipts', ids: [] },
      { type: 'receipts', ids: [ids[0], ids[0]] },
      { type: 'receipts', ids: ['not-a-ulid'] },
      { type: 'receipts', ids: Array.from({ length: MAX_RECEIPT_IDS + 1 }, (_, i) => `01ARZ3NDEKTSV4RRFFQ69G${String(i).padStart(4, '0')}`) },
      { type: 'receipts', ids, extra: 1 },
      { type: 'ack', ids }
    ]) {
      expect(() => decodeReceipts(encode(bad))).toThrow(/not a receipts payload/)
    }
    expect(() => decodeReceipts(new Uint8Array([0xff, 0xfe]))).toThrow()
  })

  it('gives each receipts item a random id, derived from none of the ids it carries (issue 57, item 7)', () => {
    expect(receiptsId()).toHaveLength(16)
    expect(receiptsId()).not.toEqual(receiptsId())
  })
})

describe('mailbox courier drains', () => {
  afterEach(() => { vi.useRealTimers() })

  it(`drains at most once per MAILBOX_DRAIN_GAP_MS (${MAILBOX_DRAIN_GAP_MS} ms) however often a relay connects`, async () => {
    vi.useFakeTimers()
    const events = new TypedEventEmitter<Libp2pEvents>()
    const relay = peerIdFromString(RELAY_A.split('/p2p/')[1] ?? '')
    // a drain looks at each relay's connection first: count those looks (the relay is down, so each drain ends there)
    const looks: number[] = []
    const libp2p = {
      addEventListener: events.addEventListener.bind(events),
      removeEventListener: events.removeEventListener.bind(events),
      getConnections: (peer?: PeerId) => { if (peer?.equals(relay) === true) looks.push(Date.now()); return [] }
    }
    const components = { logger: testLogger(), libp2p, relayList: { active: () => [RELAY_A] } }
    const courier = new MailboxCourier(components as unknown as CourierComponents)
    courier.start()
    try {
      // 15 connects a second for 6 s, as a relay connection opening and closing on a loaded host made
      for (let i = 0; i < 90; i++) {
        events.safeDispatchEvent('peer:connect', { detail: relay })
        await vi.advanceTimersByTimeAsync(1000 / 15)
      }
      await vi.advanceTimersByTimeAsync(MAILBOX_DRAIN_GAP_MS)
      expect(looks.length).toBeGreaterThanOrEqual(3)
      expect(looks.length).toBeLessThanOrEqual(1 + Math.ceil(6000 / MAILBOX_DRAIN_GAP_MS))
      for (let i = 1; i < looks.length; i++) expect((looks[i] ?? 0) - (looks[i - 1] ?? 0)).toBeGreaterThanOrEqual(MAILBOX_DRAIN_GAP_MS)
    } finally {
      courier.stop()
    }
  })
})

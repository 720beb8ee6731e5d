/**
 * Which key the tab subscribes with (src/lib/p2p/push/keys.ts `pickPushKey`):
 * the subscription's own while a relay has it, else the one most relays
 * share, between equals the first in base64url order; none when no relay
 * has push on.
 */
import { describe, expect, it } from 'vitest'
import { pickPushKey } from '../../../../src/lib/p2p/push/keys.ts'
import type { PushRelayKey } from '../../../../src/lib/contract/index.ts'

const on = (relay: string, vapidKey: string): PushRelayKey => ({ relay, state: 'on', vapidKey })

describe('pickPushKey', () => {
  it('takes the key most relays have, and between equals the first in base64url order', () => {
    expect(pickPushKey([on('r1', 'KB'), on('r2', 'KA'), on('r3', 'KB')])).toEqual({ vapidKey: 'KB', relays: ['r1', 'r3'] })
    expect(pickPushKey([on('r1', 'KB'), on('r2', 'KA')])).toEqual({ vapidKey: 'KA', relays: ['r2'] })
  })

  it('keeps the subscription\'s own key while a relay has it, even against more relays', () => {
    const relays = [on('r1', 'KB'), on('r2', 'KA'), on('r3', 'KB')]
    expect(pickPushKey(relays, 'KA')).toEqual({ vapidKey: 'KA', relays: ['r2'] })
    expect(pickPushKey(relays, 'KZ')).toEqual({ vapidKey: 'KB', relays: ['r1', 'r3'] })
  })

  it('has none when no relay has push on', () => {
    const relays: PushRelayKey[] = [{ relay: 'r1', state: 'off' }, { relay: 'r2', state: 'unsupported' }, { relay: 'r3', state: 'unreachable', code: 'rate-limited' }]
    expect(pickPushKey(relays)).toBeUndefined()
    expect(pickPushKey([])).toBeUndefined()
  })
})

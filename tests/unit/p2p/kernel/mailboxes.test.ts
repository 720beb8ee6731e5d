import { describe, expect, it } from 'vitest'
import { MAX_MAILBOX_RELAYS, mailboxRelaysOf } from '../../../../src/lib/p2p/kernel/mailboxes.ts'

const RELAY_A = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const RELAY_B = '/ip4/127.0.0.1/tcp/9190/ws/p2p/12D3KooWDZDp4oumu71fwxYz8aDM1nwQTLczmwz85pRfdP2rktJj'
const ME = '12D3KooWL9gE7DWdXacQUdNWp2ie3LfFX1AzLwGgVzErPGX9UFyk'
const circuit = (relay: string): string => `${relay}/p2p-circuit/p2p/${ME}`

describe('a contact\'s mailbox relays', () => {
  it('names the relays of a contact\'s circuit addresses, one address each, at most three', () => {
    expect(mailboxRelaysOf({ addresses: [circuit(RELAY_A), `${RELAY_A.replace('/ws/', '/wss/')}/p2p-circuit/p2p/${ME}`, circuit(RELAY_B)] }))
      .toEqual([RELAY_A, RELAY_B])
    // direct addresses and garbage name no relay
    expect(mailboxRelaysOf({ addresses: ['/ip4/10.0.0.1/tcp/4001/p2p/' + ME, 'nonsense', '/p2p-circuit'] })).toEqual([])
    const many = Array.from({ length: 6 }, (_, i) => circuit(RELAY_A.replace('9090', String(9000 + i)).replace('JZmEPF', `JZmEP${String.fromCharCode(65 + i)}`)))
    expect(mailboxRelaysOf({ addresses: many })).toHaveLength(MAX_MAILBOX_RELAYS)
  })
})

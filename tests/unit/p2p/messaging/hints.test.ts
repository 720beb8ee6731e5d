/**
 * Push hints on deposits (messaging/hints.ts): a deposit with a known key
 * carries a fresh hint that opens to the chat with the device's key; a relay
 * from before hints (its mailbox codec answers 0x05 `bad-request`) gets the
 * item again plain, and plain deposits from then on; other refusals are not
 * taken for that; the relays remembered are bounded.
 */
import { describe, expect, it } from 'vitest'
import { toBase64Url } from '@parley/protocol/base64'
import { decodeRequest, encodeRequest, MailboxRefusedError } from '@parley/protocol/mailbox/codec'
import { makeNotifyKeyPair, openHint } from '@parley/protocol/push/hint'
import { DepositHints, MAX_PLAIN_RELAYS } from '../../../../src/lib/p2p/messaging/hints.ts'
import type { HintFor } from '../../../../src/lib/p2p/messaging/hints.ts'

const device = makeNotifyKeyPair()
const hint: HintFor = { chat: { kind: 'contact', chat: '12D3KooWAxe9' }, key: toBase64Url(device.publicKey) }
const request = (sealed: Uint8Array | undefined): Uint8Array => encodeRequest({ op: 'deposit', id: new Uint8Array(16), recipient: new Uint8Array([0, 1, 2]), item: new Uint8Array([7]), ...(sealed === undefined ? {} : { hint: sealed }) })

/** A relay from before hints: its codec knows no 0x05, and it answers what it cannot read `bad-request`. */
function olderRelay (seen: number[]): (sealed: Uint8Array | undefined) => Promise<void> {
  return async (sealed) => {
    const bytes = request(sealed)
    seen.push(bytes[0] ?? -1)
    if (bytes[0] !== 0x01) throw new MailboxRefusedError('bad-request', 'unknown operation')
    expect(decodeRequest(bytes)).toMatchObject({ op: 'deposit' })
  }
}

describe('push hints on deposits', () => {
  it('a hint for every deposit, fresh each time, opening to the chat with the device\'s key', async () => {
    const hints = new DepositHints()
    const sent: Uint8Array[] = []
    for (let i = 0; i < 2; i++) {
      await hints.deposit('/relay/a', hint, async (sealed) => {
        const decoded = decodeRequest(request(sealed))
        if (decoded.op !== 'deposit' || decoded.hint === undefined) throw new Error('no hint')
        sent.push(decoded.hint)
      })
    }
    expect(sent.map(h => openHint(h, device.secretKey, device.publicKey))).toEqual([hint.chat, hint.chat])
    expect(toBase64Url(sent[0] ?? new Uint8Array())).not.toBe(toBase64Url(sent[1] ?? new Uint8Array()))
    // no key known, or a key that is no key: plain
    const plain: Array<Uint8Array | undefined> = []
    await hints.deposit('/relay/a', undefined, async (sealed) => { plain.push(sealed) })
    await hints.deposit('/relay/a', { ...hint, key: toBase64Url(new Uint8Array(32)) }, async (sealed) => { plain.push(sealed) })
    expect(plain).toEqual([undefined, undefined])
  })

  it('an older relay answers bad-request: the item goes again plain, and that relay gets no hints from then on; the others still do', async () => {
    const hints = new DepositHints()
    const seen: number[] = []
    await hints.deposit('/relay/old', hint, olderRelay(seen))
    expect(seen).toEqual([0x05, 0x01])
    expect(hints.plain('/relay/old')).toBe(true)
    await hints.deposit('/relay/old', hint, olderRelay(seen))
    expect(seen).toEqual([0x05, 0x01, 0x01])
    const other: number[] = []
    await hints.deposit('/relay/new', hint, async (sealed) => { other.push(request(sealed)[0] ?? -1) })
    expect(other).toEqual([0x05])
  })

  it('other refusals are the deposit\'s failure, not a relay without hints', async () => {
    const hints = new DepositHints()
    await expect(hints.deposit('/relay/a', hint, async () => { throw new MailboxRefusedError('too-large', '') })).rejects.toThrow(MailboxRefusedError)
    expect(hints.plain('/relay/a')).toBe(false)
  })

  it('remembers at most MAX_PLAIN_RELAYS relays, forgetting the oldest', async () => {
    const hints = new DepositHints()
    for (let i = 0; i <= MAX_PLAIN_RELAYS; i++) await hints.deposit(`/relay/${i}`, hint, olderRelay([]))
    expect(hints.plain('/relay/0')).toBe(false)
    expect(hints.plain('/relay/1')).toBe(true)
    expect(hints.plain(`/relay/${MAX_PLAIN_RELAYS}`)).toBe(true)
  })
})

/**
 * What someone who copied a relay's mailbox learns (issue 26's integration
 * tests): every item the relay holds for the owner of a key, fetched with that
 * key and left there, and a byte search over what was captured.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { MAX_LIST } from '@parley/protocol/mailbox/codec'
import { createLibp2p } from 'libp2p'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** Whether `needle` occurs in `hay`. */
export function contains (hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** Every item the relay at `relayAddr` holds for the owner of `key`, fetched (and left there). */
export async function capture (relayAddr: string, key: Ed25519PrivateKey): Promise<Uint8Array[]> {
  return (await captureListed(relayAddr, key)).map(i => i.item)
}

/** An item as the relay holds it: its deposit id and size (what LIST shows), and its bytes. */
export interface CapturedItem { id: Uint8Array, size: number, item: Uint8Array }

/** Every item the relay at `relayAddr` holds for the owner of `key`, with what the relay knows of it, fetched (and left there). */
export async function captureListed (relayAddr: string, key: Ed25519PrivateKey): Promise<CapturedItem[]> {
  const thief = await createLibp2p({ privateKey: key, transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
  try {
    const connection = await thief.dial(multiaddr(relayAddr))
    const listed = await mailboxRequest(connection, { op: 'list', limit: MAX_LIST })
    if (listed.items.length === 0) return []
    const fetched = await mailboxRequest(connection, { op: 'fetch', ids: listed.items.map(i => i.id) })
    const sizes = new Map(listed.items.map(i => [Buffer.from(i.id).toString('hex'), i.size]))
    return fetched.items.map(i => ({ id: i.id, size: sizes.get(Buffer.from(i.id).toString('hex')) ?? -1, item: i.item }))
  } finally {
    await thief.stop()
  }
}

/**
 * What the tests' app nodes in Node add to NodeRootInit:
 * - `noiseCrypto`: noise's own Node crypto with relay-node's X25519
 *   (@parley/protocol/noise-x25519), the same DH without importing both keys
 *   of each from DER, which was 4–5 % of the 32 members' CPU in the group
 *   test. The app in a browser keeps noise's own.
 * - `iceBindAddress`: their direct WebRTC connections gather candidates on
 *   loopback only. node-datachannel skips loopback when it lists the host's
 *   addresses: without it, two nodes in Node met over the machine's own
 *   network address, and in a loopback-only namespace made no direct
 *   connection at all.
 */
import { defaultCrypto } from '@libp2p/noise/crypto'
import { withNativeX25519 } from '@parley/protocol/noise-x25519'
import type { NodeRootInit } from '../../src/lib/p2p/root/root.ts'

export const IN_NODE: Pick<NodeRootInit, 'noiseCrypto' | 'iceBindAddress'> = {
  noiseCrypto: withNativeX25519(defaultCrypto),
  iceBindAddress: '127.0.0.1'
}

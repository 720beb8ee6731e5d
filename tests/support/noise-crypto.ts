/**
 * Noise's crypto for the tests' app nodes in Node (NodeRootInit.noiseCrypto):
 * noise's own Node crypto with relay-node's X25519
 * (@parley/protocol/noise-x25519), the same DH without importing both keys of
 * each from DER, which was 4–5 % of the 32 members' CPU in the group test.
 * The app in a browser keeps noise's own.
 */
import { defaultCrypto } from '@libp2p/noise/crypto'
import { withNativeX25519 } from '@parley/protocol/noise-x25519'

export const NODE_NOISE_CRYPTO = withNativeX25519(defaultCrypto)

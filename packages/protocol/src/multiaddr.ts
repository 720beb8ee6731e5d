/**
 * Circuit relay addresses, as text: `<relay address>/p2p/<relay>/p2p-circuit[/p2p/<peer>]`.
 * The one way the app and relay-node read and make them (string work, no
 * multiaddr parsing: the addresses come from libp2p or have been checked).
 */

const CIRCUIT = '/p2p-circuit'

/** True when `address` goes through a relay (it has a `/p2p-circuit` part). */
export function isCircuitAddress (address: string): boolean {
  return address.includes(CIRCUIT)
}

/** The relay part (`…/p2p/<relay>`) of a circuit address `…/p2p/<relay>/p2p-circuit/…`, or undefined. */
export function circuitRelayAddress (address: string): string | undefined {
  const at = address.indexOf(CIRCUIT)
  if (at <= 0) return undefined
  const relay = address.slice(0, at)
  return relay.split('/').at(-2) === 'p2p' ? relay : undefined
}

/** The PeerID of the relay a circuit address goes through, or undefined. */
export function circuitRelayId (address: string): string | undefined {
  const id = circuitRelayAddress(address)?.split('/').at(-1)
  return id === undefined || id === '' ? undefined : id
}

/** `peer`'s circuit address through the relay at `relayAddress` (which ends in `/p2p/<relay>`). */
export function circuitAddressThrough (relayAddress: string, peer: string): string {
  return `${relayAddress}${CIRCUIT}/p2p/${peer}`
}

/**
 * The checks on a whole configuration, past each option's own type (parse.ts
 * reads those): a listen address, the addresses to announce and bootstrap
 * through, WSS and its certificate, ports that clash, per-IP shares below
 * their totals. A failed check throws ConfigError with a sentence naming the
 * options; `capacityWarnings` words what is allowed but cannot all hold.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../errors.ts'
import { optionName as name, optionSpec as spec } from './options.ts'
import type { RelayConfig } from './options.ts'

/** Most addresses `--announce` and `--bootstrap` take. */
const MAX_LIST = 32

/** A multiaddr with at least two components, or undefined when it does not parse. */
function parseMultiaddr (text: string): ReturnType<typeof multiaddr> | undefined {
  try {
    const ma = multiaddr(text)
    return ma.getComponents().length > 1 ? ma : undefined
  } catch {
    return undefined
  }
}

/** Checks that need more than one option, or more than the option's type. */
export function validate (config: RelayConfig): void {
  if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/.test(config.host)) {
    throw new ConfigError(`${name(spec('host'))} must be an IPv4 or IPv6 address, got "${config.host.slice(0, 100)}"`)
  }
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s]+)$/.test(config.pushContact) || config.pushContact.length > 200) {
    throw new ConfigError(`${name(spec('push-contact'))} must be a mailto: address or an https: URL (at most 200 characters), got "${config.pushContact.slice(0, 100)}"`)
  }
  if (config.dataDir === '') throw new ConfigError(`${name(spec('data-dir'))} must not be empty`)
  for (const [flag, list] of [['announce', config.announce], ['bootstrap', config.bootstrap]] as const) {
    if (list.length > MAX_LIST) throw new ConfigError(`${name(spec(flag))} takes at most ${MAX_LIST} addresses, got ${list.length}`)
  }
  for (const address of config.announce) {
    if (parseMultiaddr(address) == null || address.includes('/p2p/')) {
      throw new ConfigError(`${name(spec('announce'))} must be multiaddrs such as /dns4/relay.example.org/tcp/443/wss, without /p2p/<id>; "${address.slice(0, 100)}" is not one`)
    }
  }
  for (const address of config.bootstrap) {
    const last = parseMultiaddr(address)?.getComponents().at(-1)
    if (last?.name !== 'p2p' || last.value == null) {
      throw new ConfigError(`${name(spec('bootstrap'))} must be multiaddrs of other relay-nodes ending in /p2p/<id>, such as /dns4/relay2.example.org/tcp/443/wss/p2p/12D3KooW…; "${address.slice(0, 100)}" is not one`)
    }
  }
  const tls = [config.tlsCertPath, config.tlsKeyPath].filter(p => p != null && p !== '').length
  if (config.wssPort != null && tls !== 2) {
    throw new ConfigError(`${name(spec('wss-port'))} needs both --tls-cert (PARLEY_RELAY_TLS_CERT) and --tls-key (PARLEY_RELAY_TLS_KEY)`)
  }
  if (config.wssPort == null && tls !== 0) {
    throw new ConfigError(`--tls-cert and --tls-key are only used with ${name(spec('wss-port'))}; set it too, or leave them out`)
  }
  const ports = [['port', config.port], ['wss-port', config.wssPort], ['tcp-port', config.tcpPort], ['metrics-port', config.metricsPort]] as const
  for (const [i, [flag, port]] of ports.entries()) {
    const clash = ports.slice(i + 1).find(([, other]) => port != null && port !== 0 && other === port)
    if (clash != null) throw new ConfigError(`--${flag} and --${clash[0]} are both ${port}; each TCP listener needs a port of its own`)
  }
  // a per-IP share as large as its total would let one address take every slot
  const shares = [
    ['max-reservations-per-ip', config.maxReservationsPerIp, 'max-reservations', config.maxReservations],
    ['max-connections-per-ip', config.maxConnectionsPerIp, 'max-connections', config.maxConnections],
    ['max-pending-connections-per-ip', config.maxPendingConnectionsPerIp, 'max-pending-connections', config.maxPendingConnections]
  ] as const
  for (const [shareFlag, share, totalFlag, total] of shares) {
    if (share >= total) {
      throw new ConfigError(`--${shareFlag} (${share}) must be below --${totalFlag} (${total}), or one IP address could take every slot`)
    }
  }
}

/**
 * Settings that are allowed but cannot all hold at once, in words, for the
 * log at start: every reservation holder keeps a connection to the relay, so
 * more reservation slots than connections can never all be taken.
 */
export function capacityWarnings (config: Pick<RelayConfig, 'maxReservations' | 'maxConnections'>): string[] {
  const warnings: string[] = []
  if (config.maxReservations > config.maxConnections) {
    warnings.push(`--max-reservations (${config.maxReservations}) is above --max-connections (${config.maxConnections}): every reservation holder keeps a connection, so at most ${config.maxConnections} reservations can be held; raise --max-connections or lower --max-reservations`)
  }
  return warnings
}

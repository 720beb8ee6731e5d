import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { capacityWarnings } from '../src/config/checks.ts'
import { HELP } from '../src/config/help.ts'
import { parseConfig } from '../src/config/parse.ts'
import {
  DEFAULT_CIRCUIT_DATA_LIMIT_BYTES, DEFAULT_CIRCUIT_DURATION_LIMIT_MS, DEFAULT_CONNECTION_RATE_PER_IP, DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_MAX_CONNECTIONS_PER_PEER, DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_PENDING_CONNECTIONS, DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP, DEFAULT_MAX_RESERVATIONS, DEFAULT_MAX_RESERVATIONS_PER_IP, DEFAULT_RESERVATION_RATE_PER_IP,
  DEFAULT_WEBRTC_DIRECT_PORT, DEFAULT_WS_MAX_FRAME_BYTES
} from '../src/constants.ts'
import { ConfigError } from '../src/errors.ts'
import { dataDir, relay, useRelayTestDir } from './helpers.ts'
import type { RelayConfig } from '../src/index.ts'

useRelayTestDir()

describe('config', () => {
  it('has explicit relay limits, not the js-libp2p defaults', () => {
    const c = parseConfig([], {}) as RelayConfig
    expect(c.host).toBe('127.0.0.1')
    expect(c.maxReservations).toBe(DEFAULT_MAX_RESERVATIONS)
    expect(c.maxReservations).toBeGreaterThanOrEqual(1000)
    expect(c.circuitDataLimitBytes).toBe(DEFAULT_CIRCUIT_DATA_LIMIT_BYTES)
    expect(c.circuitDataLimitBytes).toBeGreaterThan(128 * 1024)
    expect(c.circuitDurationLimitMs).toBe(DEFAULT_CIRCUIT_DURATION_LIMIT_MS)
    expect(c.circuitDurationLimitMs).toBeGreaterThan(2 * 60_000)
  })

  it('flags win over environment variables', () => {
    const c = parseConfig(['--port', '7000', '--max-reservations', '5000'], { PARLEY_RELAY_PORT: '8000', PARLEY_RELAY_HOST: '::1' }) as RelayConfig
    expect(c.port).toBe(7000)
    expect(c.host).toBe('::1')
    expect(c.maxReservations).toBe(5000)
  })

  it('refuses bad values with a sentence naming the option', () => {
    expect(() => parseConfig(['--port', 'abc'], {})).toThrow(/--port .* whole number/)
    expect(() => parseConfig(['--port', '70000'], {})).toThrow(/between 0 and 65535/)
    expect(() => parseConfig([], { PARLEY_RELAY_MAX_RESERVATIONS: '0' })).toThrow(ConfigError)
    expect(() => parseConfig(['--host', 'example.com'], {})).toThrow(/IPv4 or IPv6/)
    expect(() => parseConfig(['--nope'], {})).toThrow(/Unknown option '--nope'.*--help/)
    expect(parseConfig(['--help'], {})).toBe('help')
  })

  it('takes a WebRTC-Direct UDP port, 0 for any, or "off"', () => {
    expect((parseConfig([], {}) as RelayConfig).webrtcDirectPort).toBe(DEFAULT_WEBRTC_DIRECT_PORT)
    expect((parseConfig(['--webrtc-direct-port', '0'], {}) as RelayConfig).webrtcDirectPort).toBe(0)
    expect((parseConfig([], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: '7001' }) as RelayConfig).webrtcDirectPort).toBe(7001)
    expect((parseConfig(['--webrtc-direct-port', 'off'], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: '7001' }) as RelayConfig).webrtcDirectPort).toBeNull()
    expect((parseConfig([], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: 'OFF' }) as RelayConfig).webrtcDirectPort).toBeNull()
    expect(() => parseConfig(['--webrtc-direct-port=-1'], {})).toThrow(/--webrtc-direct-port \(PARLEY_RELAY_WEBRTC_DIRECT_PORT\) must be a whole number.*"off"/)
    expect(() => parseConfig(['--webrtc-direct-port', 'no'], {})).toThrow(ConfigError)
    expect(() => parseConfig([], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: '65536' })).toThrow(/between 0 and 65535.*"off"/)
  })
})

describe('config: limits and the operations port', () => {
  it('has a per-IP share of reservations and no metrics port by default', () => {
    const c = parseConfig([], {}) as RelayConfig
    expect(c.maxReservations).toBe(10_000)
    // every reservation holder has a connection: the default cap can be filled
    expect(c.maxConnections).toBeGreaterThan(c.maxReservations)
    expect(c.maxReservationsPerIp).toBe(DEFAULT_MAX_RESERVATIONS_PER_IP)
    expect(c.metricsPort).toBeNull()
    expect(capacityWarnings(c)).toEqual([])
  })

  it('warns (in words, without refusing to start) when more reservations are allowed than connections', () => {
    const c = parseConfig(['--max-connections', '1000'], {}) as RelayConfig
    expect(capacityWarnings(c)).toEqual([
      `--max-reservations (${c.maxReservations}) is above --max-connections (1000): every reservation holder keeps a connection, so at most 1000 reservations can be held; raise --max-connections or lower --max-reservations`
    ])
    expect(capacityWarnings({ maxReservations: 1000, maxConnections: 1000 })).toEqual([])
  })

  it('takes --max-reservations-per-ip and --metrics-port (a port, 0 for any, or off)', () => {
    const c = parseConfig(['--max-reservations-per-ip', '3', '--metrics-port', '9100'], {}) as RelayConfig
    expect(c.maxReservationsPerIp).toBe(3)
    expect(c.metricsPort).toBe(9100)
    expect((parseConfig([], { PARLEY_RELAY_METRICS_PORT: '0' }) as RelayConfig).metricsPort).toBe(0)
    expect((parseConfig(['--metrics-port', 'off'], { PARLEY_RELAY_METRICS_PORT: '9100' }) as RelayConfig).metricsPort).toBeNull()
  })

  it.each<[string[], Record<string, string>, RegExp]>([
    [['--max-reservations-per-ip', '0'], {}, /--max-reservations-per-ip \(PARLEY_RELAY_MAX_RESERVATIONS_PER_IP\) must be between 1 and/],
    [[], { PARLEY_RELAY_MAX_RESERVATIONS_PER_IP: 'many' }, /--max-reservations-per-ip .* must be a whole number, got "many"/],
    [['--metrics-port', '70000'], {}, /--metrics-port \(PARLEY_RELAY_METRICS_PORT\) must be between 0 and 65535.*"off"/],
    [[], { PARLEY_RELAY_METRICS_PORT: 'yes' }, /--metrics-port .* must be a whole number \(or "off"\), got "yes"/]
  ])('refuses %j %j with a sentence naming the option', (argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(message)
    expect(() => parseConfig(argv, env)).toThrow(ConfigError)
  })

  it('keeps every per-IP share below its total, so one address can never take every slot', () => {
    const defaults = parseConfig([], {}) as RelayConfig
    expect(defaults.maxReservationsPerIp).toBeLessThan(defaults.maxReservations)
    expect(defaults.maxConnectionsPerIp).toBeLessThan(defaults.maxConnections)
    expect(defaults.maxPendingConnectionsPerIp).toBeLessThan(defaults.maxPendingConnections)
    // the pending-handshake share leaves most slots to other addresses
    expect(defaults.maxPendingConnectionsPerIp * 4).toBeLessThanOrEqual(defaults.maxPendingConnections)
    for (const [argv, env, message] of [
      [['--max-reservations', '100', '--max-reservations-per-ip', '100'], {}, '--max-reservations-per-ip (100) must be below --max-reservations (100), or one IP address could take every slot'],
      [['--max-connections-per-ip', '20000'], {}, '--max-connections-per-ip (20000) must be below --max-connections (12288)'],
      [['--max-pending-connections', '32'], {}, '--max-pending-connections-per-ip (32) must be below --max-pending-connections (32)'],
      [[], { PARLEY_RELAY_MAX_PENDING_CONNECTIONS_PER_IP: '300' }, '--max-pending-connections-per-ip (300) must be below --max-pending-connections (256)']
    ] as const) {
      expect(() => parseConfig([...argv], env)).toThrow(ConfigError)
      expect(() => parseConfig([...argv], env)).toThrow(message)
    }
    expect(parseConfig(['--max-pending-connections', '16', '--max-pending-connections-per-ip', '4'], {})).toMatchObject({ maxPendingConnections: 16, maxPendingConnectionsPerIp: 4 })
  })
})

describe('config file and announce addresses', () => {
  async function configFile (content: unknown): Promise<string> {
    const path = join(dataDir, 'relay.json')
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
    return path
  }

  it('reads options from a JSON file keyed by flag name; environment and flags win over it', async () => {
    const path = await configFile({ port: 7100, 'max-reservations': 6000, 'metrics-port': 'off', announce: ['/dns4/relay.example.org/tcp/443/wss'] })
    const fromFile = parseConfig(['--config', path], {}) as RelayConfig
    expect(fromFile).toMatchObject({ port: 7100, maxReservations: 6000, metricsPort: null, announce: ['/dns4/relay.example.org/tcp/443/wss'] })
    const overridden = parseConfig(['--config', path, '--port', '7200'], { PARLEY_RELAY_MAX_RESERVATIONS: '7000' }) as RelayConfig
    expect(overridden).toMatchObject({ port: 7200, maxReservations: 7000 })
    expect((parseConfig([], { PARLEY_RELAY_CONFIG: path }) as RelayConfig).port).toBe(7100)
  })

  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"port": ', /the config file .* is not valid JSON/],
    ['a list', '[1, 2]', /must hold a JSON object of options/],
    ['an unknown option', { prot: 9000 }, /unknown option "prot" \(options are the flag names without "--"\)/],
    ['a nested value', { port: { value: 9000 } }, /"port" must be a number or a string/],
    ['a bad value', { 'max-reservations': -5 }, /--max-reservations \(PARLEY_RELAY_MAX_RESERVATIONS\) must be a whole number, got "-5"/],
    ['an announce address with /p2p/', { announce: '/dns4/a.example/tcp/443/wss/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj' }, /without \/p2p\/<id>/],
    ['an announce address that is not a multiaddr', { announce: ['relay.example.org:443'] }, /--announce .* "relay.example.org:443" is not one/]
  ])('refuses a config file with %s, naming what is wrong', async (_name, content, message) => {
    const path = await configFile(content)
    expect(() => parseConfig(['--config', path], {})).toThrow(message)
    expect(() => parseConfig(['--config', path], {})).toThrow(ConfigError)
  })

  it('refuses a config file it cannot read', () => {
    expect(() => parseConfig(['--config', join(dataDir, 'missing.json')], {})).toThrow(/cannot read the config file .*missing\.json/)
  })

  it('advertises the announce addresses instead of the listen addresses', async () => {
    const r = await relay({ announce: ['/dns4/relay.example.org/tcp/443/wss'], webrtcDirectPort: null })
    expect(r.multiaddrs).toEqual([`/dns4/relay.example.org/tcp/443/wss/p2p/${r.peerId}`])
  })
})


describe('config: listeners, limits, services and operations', () => {
  it('has documented defaults for every limit', () => {
    const c = parseConfig([], {}) as RelayConfig
    expect(c).toMatchObject({
      wssPort: null, tlsCertPath: null, tlsKeyPath: null, tcpPort: null, bootstrap: [], mdns: false, logLevel: 'info',
      maxConnectionsPerIp: DEFAULT_MAX_CONNECTIONS_PER_IP,
      maxConnectionsPerPeer: DEFAULT_MAX_CONNECTIONS_PER_PEER,
      connectionRatePerIp: DEFAULT_CONNECTION_RATE_PER_IP,
      reservationRatePerIp: DEFAULT_RESERVATION_RATE_PER_IP,
      maxPendingConnections: DEFAULT_MAX_PENDING_CONNECTIONS,
      maxPendingConnectionsPerIp: DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP,
      maxInboundStreams: DEFAULT_MAX_INBOUND_STREAMS,
      wsMaxFrameBytes: DEFAULT_WS_MAX_FRAME_BYTES,
      handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
      drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS
    })
    // the ws library's own default is 100 MiB
    expect(c.wsMaxFrameBytes).toBeLessThanOrEqual(1024 * 1024)
    for (const option of ['--wss-port', '--tls-cert', '--tcp-port', '--bootstrap', '--mdns', '--log-level', '--max-connections-per-ip',
      '--max-connections-per-peer', '--connection-rate-per-ip', '--reservation-rate-per-ip', '--max-pending-connections', '--max-pending-connections-per-ip',
      '--max-inbound-streams', '--ws-max-frame-bytes', '--handshake-timeout-ms', '--drain-timeout-ms']) {
      expect(HELP).toContain(option)
    }
    expect(HELP).toContain('[PARLEY_RELAY_WS_MAX_FRAME_BYTES] (default 262144)')
  })

  it('reads every new option from flags, the environment and the file', async () => {
    const bootstrap = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
    const path = join(dataDir, 'relay.json')
    await writeFile(path, JSON.stringify({ mdns: true, bootstrap: [bootstrap], 'tcp-port': 4001, 'log-level': 'debug' }))
    expect(parseConfig(['--config', path], {})).toMatchObject({ mdns: true, bootstrap: [bootstrap], tcpPort: 4001, logLevel: 'debug' })
    expect(parseConfig(['--config', path, '--mdns', 'off'], { PARLEY_RELAY_LOG_LEVEL: 'WARN' })).toMatchObject({ mdns: false, logLevel: 'warn' })
    expect(parseConfig(['--wss-port', '443', '--tls-cert', '/etc/c.pem', '--tls-key', '/etc/k.pem', '--max-connections-per-peer', '2',
      '--ws-max-frame-bytes', '131072', '--handshake-timeout-ms', '5000', '--drain-timeout-ms', '0'], {}))
      .toMatchObject({ wssPort: 443, tlsCertPath: '/etc/c.pem', tlsKeyPath: '/etc/k.pem', maxConnectionsPerPeer: 2, wsMaxFrameBytes: 131072, handshakeTimeoutMs: 5000, drainTimeoutMs: 0 })
  })
})

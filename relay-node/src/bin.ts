#!/usr/bin/env node
/**
 * The relay-node process. Logs one JSON object per line on stdout
 * (src/log.ts); the line `{"level":"info","msg":"ready","peerId":…,
 * "multiaddrs":[…],…}` says it listens. SIGTERM/SIGINT drain and stop,
 * SIGHUP reloads the WSS certificate. Exit codes: 0 stopped, 1 failed,
 * 2 bad configuration, unusable data directory, identity, certificate or
 * mailbox database (one sentence on stderr).
 */
import './polyfill.ts'
import { cleanup as cleanupNativeWebRTC } from 'node-datachannel'
import { CertificateError, ConfigError, DataDirError, IdentityError, DatabaseOpenError } from './errors.ts'
import { capacityWarnings } from './config/checks.ts'
import { HELP } from './config/help.ts'
import { parseConfig } from './config/parse.ts'
import { STOP_TIMEOUT_MS } from './constants.ts'
import { createRelayNode } from './index.ts'
import { createLogger } from './log.ts'
import type { Logger } from './log.ts'

/** Before the config is read, and for errors that end the process. */
let log: Logger = createLogger('info')

async function main (): Promise<void> {
  const config = parseConfig(process.argv.slice(2))
  if (config === 'help') {
    process.stdout.write(HELP)
    return
  }
  log = createLogger(config.logLevel)

  const relay = await createRelayNode(config, { log })
  log.info(relay.identityCreated ? 'created a new identity' : 'loaded its identity', { dataDir: config.dataDir, peerId: relay.peerId })
  if (relay.certificate != null) {
    if (relay.certificate.replaced != null) log.warn('replaced the WebRTC-Direct certificate: the certhash changed, update the relay addresses you serve', { reason: relay.certificate.replaced })
    log.info(relay.certificate.created ? 'created a new WebRTC-Direct certificate' : 'loaded its WebRTC-Direct certificate', { certhash: relay.certificate.certhash })
  }
  if (relay.tls != null) log.info('loaded the WSS certificate', { ...relay.tls })
  log.info('limits', {
    maxReservations: config.maxReservations,
    maxReservationsPerIp: config.maxReservationsPerIp,
    reservationRatePerIpPerMinute: config.reservationRatePerIp,
    circuitDataLimitBytes: config.circuitDataLimitBytes,
    circuitDurationLimitMs: config.circuitDurationLimitMs,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    maxConnectionsPerPeer: config.maxConnectionsPerPeer,
    connectionRatePerIpPerSecond: config.connectionRatePerIp,
    maxPendingConnections: config.maxPendingConnections,
    maxPendingConnectionsPerIp: config.maxPendingConnectionsPerIp,
    maxInboundStreams: config.maxInboundStreams,
    wsMaxFrameBytes: config.wsMaxFrameBytes,
    handshakeTimeoutMs: config.handshakeTimeoutMs
  })
  for (const warning of capacityWarnings(config)) log.warn(warning)
  if (relay.opsUrl != null) log.info('operations server', { metrics: `${relay.opsUrl}/metrics`, healthz: `${relay.opsUrl}/healthz` })
  // Signal handlers go in before the ready line: whoever reads it may signal at once, and a
  // SIGTERM that beats process.on() kills the process without a drain.
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info('draining', { signal, circuits: relay.circuits, timeoutMs: config.drainTimeoutMs })
    const force = setTimeout(() => {
      log.error('did not stop in time, exiting')
      process.exit(1)
    }, config.drainTimeoutMs + STOP_TIMEOUT_MS)
    force.unref()
    relay.drain(config.drainTimeoutMs)
      .then(async (left) => {
        log.info('drained', { circuitsCut: left })
        await relay.stop()
        // WebRTC-Direct's native library keeps threads of its own: joined here, before the exit, or
        // tearing them down during it can abort the process (SIGABRT after "stopped")
        cleanupNativeWebRTC()
      })
      .then(() => {
        log.info('stopped')
        process.exit(0)
      }, (err: unknown) => {
        log.error('failed to stop cleanly', { error: err })
        process.exit(1)
      })
  }
  process.on('SIGINT', () => { shutdown('SIGINT') })
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  process.on('SIGHUP', () => {
    relay.reloadTls().then(
      (tls) => {
        if (tls == null) log.warn('SIGHUP: no WSS listener, nothing to reload')
        else log.info('reloaded the WSS certificate', { ...tls })
      },
      (err: unknown) => { log.error('SIGHUP: kept the old WSS certificate', { error: err }) })
  })

  // the machine-readable line scripts and tests wait for
  log.info('ready', {
    peerId: relay.peerId,
    multiaddrs: relay.multiaddrs,
    tcpMultiaddrs: relay.tcpMultiaddrs,
    ...(relay.opsUrl == null ? {} : { opsUrl: relay.opsUrl })
  })
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirError || err instanceof IdentityError || err instanceof CertificateError || err instanceof DatabaseOpenError) {
    log.error((err).message, { error: err.name })
    process.stderr.write(`relay-node: ${err.message}\n`)
    process.exit(2)
  }
  log.error('failed to start', { error: err, stack: (err as Error).stack })
  process.stderr.write(`relay-node failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})

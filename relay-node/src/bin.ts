#!/usr/bin/env node
import './polyfill.ts'
import { CertificateError, ConfigError, IdentityError } from './errors.ts'
import { HELP, parseConfig } from './config.ts'
import { SHUTDOWN_TIMEOUT_MS } from './constants.ts'
import { createRelayNode } from './index.ts'

async function main (): Promise<void> {
  const config = parseConfig(process.argv.slice(2))
  if (config === 'help') {
    process.stdout.write(HELP)
    return
  }

  const relay = await createRelayNode(config)
  process.stdout.write(`relay-node ${relay.identityCreated ? 'created a new identity' : 'loaded its identity'} in ${config.dataDir}\n`)
  if (relay.certificate != null) {
    if (relay.certificate.replaced != null) process.stdout.write(`relay-node replaced its WebRTC-Direct certificate: ${relay.certificate.replaced}; the certhash changed, update the relay addresses you serve\n`)
    process.stdout.write(`relay-node ${relay.certificate.created ? 'created a new' : 'loaded its'} WebRTC-Direct certificate, certhash ${relay.certificate.certhash}\n`)
  }
  process.stdout.write(`relay-node limits: ${config.maxReservations} reservations (${config.maxReservationsPerIp} per IP address), relayed connections ${config.circuitDataLimitBytes} bytes / ${config.circuitDurationLimitMs} ms\n`)
  if (relay.opsUrl != null) process.stdout.write(`relay-node metrics at ${relay.opsUrl}/metrics, health at ${relay.opsUrl}/healthz\n`)
  for (const ma of relay.multiaddrs) process.stdout.write(`relay-node listening on ${ma}\n`)
  // one machine-readable line for scripts and tests
  process.stdout.write(`relay-node ready ${JSON.stringify({ peerId: relay.peerId, multiaddrs: relay.multiaddrs })}\n`)

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stdout.write(`relay-node stopping (${signal})\n`)
    const force = setTimeout(() => {
      process.stderr.write('relay-node did not stop in time, exiting\n')
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS)
    force.unref()
    relay.stop().then(() => {
      process.stdout.write('relay-node stopped\n')
      process.exit(0)
    }, (err: unknown) => {
      process.stderr.write(`relay-node failed to stop cleanly: ${(err as Error).message}\n`)
      process.exit(1)
    })
  }
  process.on('SIGINT', () => { shutdown('SIGINT') })
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof IdentityError || err instanceof CertificateError) {
    process.stderr.write(`relay-node: ${err.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`relay-node failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})

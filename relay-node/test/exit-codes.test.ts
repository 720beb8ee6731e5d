import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { relayBundle } from '../../scripts/lib/relay-bundle.ts'

const REPO = join(import.meta.dirname, '..', '..')
let dir = ''

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'relay-node-exit-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

/** Runs the relay-node process with `args`; it is expected to exit by itself. */
async function exitOf (...args: string[]): Promise<{ code: number | null, err: string }> {
  const child = spawn(process.execPath, [await relayBundle(), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  // 'close', not 'exit': a process can exit before its stderr has been read to the end
  const code = await new Promise<number | null>(resolve => child.on('close', c => { resolve(c) }))
  return { code, err }
}

describe('invalid configuration', () => {
  // each case is a process of its own that exits at once: run them side by side
  it.concurrent.each<[string, string[], RegExp]>([
    ['a port that is not a number', ['--port', 'x'], /--port \(PARLEY_RELAY_PORT\) must be a whole number, got "x"/],
    ['a port out of range', ['--wss-port', '70000', '--tls-cert', 'c', '--tls-key', 'k'], /--wss-port \(PARLEY_RELAY_WSS_PORT\) must be between 0 and 65535 \(or "off"\)/],
    ['WSS without a certificate', ['--wss-port', '0'], /--wss-port \(PARLEY_RELAY_WSS_PORT\) needs both --tls-cert/],
    ['a certificate without WSS', ['--tls-cert', 'c.pem'], /--tls-cert and --tls-key are only used with --wss-port/],
    ['a missing certificate file', ['--wss-port', '0', '--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem'], /cannot read the TLS certificate \/nonexistent\/c\.pem/],
    ['two listeners on one port', ['--port', '9500', '--tcp-port', '9500'], /--port and --tcp-port are both 9500/],
    ['a zero rate', ['--connection-rate-per-ip', '0'], /--connection-rate-per-ip \(PARLEY_RELAY_CONNECTION_RATE_PER_IP\) must be between 1 and/],
    ['a tiny WebSocket frame limit', ['--ws-max-frame-bytes', '1000'], /--ws-max-frame-bytes \(PARLEY_RELAY_WS_MAX_FRAME_BYTES\) must be between 131072 and/],
    ['a per-IP share above the total', ['--max-reservations', '10', '--max-reservations-per-ip', '20'], /--max-reservations-per-ip \(20\) must be below --max-reservations \(10\)/],
    ['a per-IP pending share equal to the total', ['--max-pending-connections', '64', '--max-pending-connections-per-ip', '64'],
      /--max-pending-connections-per-ip \(64\) must be below --max-pending-connections \(64\), or one IP address could take every slot/],
    ['a bootstrap address without a PeerID', ['--bootstrap', '/ip4/10.0.0.1/tcp/4001'], /--bootstrap .* must be multiaddrs of other relay-nodes ending in \/p2p\/<id>/],
    ['mDNS neither on nor off', ['--mdns', 'maybe'], /--mdns \(PARLEY_RELAY_MDNS\) must be "on" or "off", got "maybe"/],
    ['an unknown log level', ['--log-level', 'loud'], /--log-level \(PARLEY_RELAY_LOG_LEVEL\) must be one of error, warn, info, debug, got "loud"/],
    ['an unknown flag', ['--max-peers', '5'], /Unknown option '--max-peers'.*--help/]
  ])('%s: exit code 2 and a sentence naming it', async (_name, args, message) => {
    const { code, err } = await exitOf('--data-dir', join(dir, 'data'), ...args)
    expect(code).toBe(2)
    expect(err).toMatch(message)
  })

  it('exits with code 2 on a bad value in the config file', async () => {
    const path = join(dir, 'relay.json')
    await writeFile(path, JSON.stringify({ port: 9000, 'max-connections': 3 }))
    const { code, err } = await exitOf('--config', path)
    expect(code).toBe(2)
    expect(err).toContain('--max-connections (PARLEY_RELAY_MAX_CONNECTIONS) must be between 16 and')
  })
})

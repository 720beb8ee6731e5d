/**
 * The secure WebSocket listener (`--wss-port`, `--tls-cert`, `--tls-key`) and
 * reloading its certificate (reloadTls(), SIGHUP).
 */
import 'reflect-metadata' // @peculiar/x509 needs it before it loads
import { KeyObject, X509Certificate, webcrypto } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { SubjectAlternativeNameExtension, X509CertificateGenerator } from '@peculiar/x509'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, vi } from 'vitest'
import { WebSocket as WsWebSocket } from 'ws'
import { RelayStartError, spawnRelay } from '../../scripts/lib/relay-process.ts'
import { CertificateError } from '../src/errors.ts'
import { createRelayNode } from '../src/index.ts'
import { circuitOf, client, config, dataDir, defer, hasCircuit, relay, useRelayTestDir } from './helpers.ts'

useRelayTestDir()

interface TestCert { cert: string, key: string, fingerprint256: string }

/** A self-signed ECDSA P-256 certificate for the IP address 127.0.0.1. */
async function makeCert (cn: string): Promise<TestCert> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  const now = Date.now()
  const generated = await X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^./, '1'),
    name: `CN=${cn}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [new SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])]
  }, webcrypto as unknown as Parameters<typeof X509CertificateGenerator.createSelfSigned>[1])
  const cert = generated.toString('pem')
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString()
  return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 }
}

/** Writes a certificate (or any text) to the test's cert and key files. */
async function install (files: { cert: string, key: string }, what: { cert: string, key: string }): Promise<void> {
  await writeFile(files.cert, what.cert)
  await writeFile(files.key, what.key)
}

const tlsFiles = (): { cert: string, key: string } => ({ cert: join(dataDir, 'tls.crt'), key: join(dataDir, 'tls.key') })

const portOf = (ma: string | undefined): number => {
  const port = Number(/^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)\//.exec(ma ?? '')?.[1])
  if (!Number.isInteger(port)) throw new Error(`no port in ${String(ma)}`)
  return port
}

/** Completes a TLS handshake trusting only `ca`; resolves with the server certificate's SHA-256 fingerprint. */
async function serverFingerprint (port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, timeout: 5_000 }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256
      socket.destroy()
      resolve(fingerprint)
    })
    socket.once('error', reject)
    socket.once('timeout', () => { socket.destroy(); reject(new Error('TLS handshake timed out')) })
  })
}

describe('secure WebSocket listener', () => {
  it('serves the certificate, completes a WebSocket upgrade and grants a reservation over wss', async () => {
    const files = tlsFiles()
    const first = await makeCert('wss-one')
    await install(files, first)
    const r = await relay({ webrtcDirectPort: null, wssPort: 0, tlsCertPath: files.cert, tlsKeyPath: files.key })
    expect(r.wssMultiaddrs).toHaveLength(1)
    const wss = r.wssMultiaddrs[0] ?? ''
    expect(wss).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/(wss|tls/ws)/p2p/${r.peerId}$`))
    expect(r.multiaddrs).toEqual([...r.wsMultiaddrs, ...r.wssMultiaddrs])
    expect(r.tls?.fingerprint256).toBe(first.fingerprint256)
    expect(r.tls?.subject).toContain('wss-one')
    const port = portOf(wss)
    expect(port).not.toBe(portOf(r.wsMultiaddrs[0]))

    expect(await serverFingerprint(port, first.cert)).toBe(first.fingerprint256)
    // without the test CA the handshake is refused: the relay serves exactly this certificate
    await expect(serverFingerprint(port, (await makeCert('stranger')).cert)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i)

    const ws = new WsWebSocket(`wss://127.0.0.1:${port}`, { ca: first.cert })
    ws.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => { resolve() })
      ws.once('error', reject)
    })
    expect(ws.protocol).toBe('')
    ws.terminate()

    // @libp2p/websockets dials with the global WebSocket (tests/unit/setup.ts installs `ws`'s);
    // for this test it trusts the test certificate, and nothing else changes
    const g = globalThis as { WebSocket?: unknown }
    const original = g.WebSocket
    g.WebSocket = class TrustingWebSocket extends WsWebSocket {
      constructor (url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { ca: first.cert })
        this.on('error', () => {})
      }
    }
    defer(async () => { g.WebSocket = original })
    const a = await client()
    const connection = await a.dial(multiaddr(wss), { signal: AbortSignal.timeout(10_000) })
    expect(connection.remotePeer.toString()).toBe(r.peerId)
    await vi.waitFor(() => { expect(hasCircuit(a)).toBe(true) }, { timeout: 10_000, interval: 50 })
    expect(circuitOf(a)?.toString()).toMatch(/\/(wss|tls\/ws)\/p2p\/.*\/p2p-circuit\//)
  })

  it('reloadTls() serves a new certificate to new connections, and keeps the old one when the new files are bad', async () => {
    const files = tlsFiles()
    const [first, second, third] = await Promise.all([makeCert('wss-one'), makeCert('wss-two'), makeCert('wss-three')])
    await install(files, first)
    // a bad file at start stops the start (bin.ts exits with code 2 on CertificateError)
    const badStart = createRelayNode(config({ webrtcDirectPort: null, wssPort: 0, tlsCertPath: files.key, tlsKeyPath: files.key }))
    await expect(badStart).rejects.toThrow(CertificateError)
    await expect(badStart).rejects.toThrow(`the TLS certificate ${files.key} is not a PEM certificate`)
    const r = await relay({ webrtcDirectPort: null, wssPort: 0, tlsCertPath: files.cert, tlsKeyPath: files.key })
    const port = portOf(r.wssMultiaddrs[0])
    expect(await serverFingerprint(port, first.cert)).toBe(first.fingerprint256)

    await install(files, second)
    const reloaded = await r.reloadTls()
    expect(reloaded?.fingerprint256).toBe(second.fingerprint256)
    expect(reloaded?.subject).toContain('wss-two')
    expect(await serverFingerprint(port, second.cert)).toBe(second.fingerprint256)
    await expect(serverFingerprint(port, first.cert)).rejects.toThrow()

    // garbage in the certificate file
    await install(files, { cert: 'not a certificate\n', key: second.key })
    const garbage = r.reloadTls()
    await expect(garbage).rejects.toThrow(CertificateError)
    await expect(garbage).rejects.toThrow(files.cert)
    expect(await serverFingerprint(port, second.cert)).toBe(second.fingerprint256)

    // a valid certificate with someone else's key
    await install(files, { cert: third.cert, key: second.key })
    const mismatch = r.reloadTls()
    await expect(mismatch).rejects.toThrow(CertificateError)
    await expect(mismatch).rejects.toThrow(new RegExp(`${files.key}.*does not belong.*${files.cert}`))
    expect(await serverFingerprint(port, second.cert)).toBe(second.fingerprint256)

    // a missing key file
    await install(files, { cert: third.cert, key: '' })
    await expect(r.reloadTls()).rejects.toThrow(files.key)
    expect(await serverFingerprint(port, second.cert)).toBe(second.fingerprint256)
  })

  it('relay-node process: SIGHUP reloads the certificate and logs it; a bad file is logged and the old one kept', async () => {
    const files = tlsFiles()
    const [first, second] = await Promise.all([makeCert('wss-one'), makeCert('wss-two')])
    await install(files, first)
    const child = await spawnRelay({
      dataDir: join(dataDir, 'process'),
      webrtcDirectPort: 'off',
      extraArgs: ['--wss-port', '0', '--tls-cert', files.cert, '--tls-key', files.key]
    })
    defer(async () => child.stop())
    const wss = child.multiaddrs.find(ma => /\/(wss|tls\/ws)\//.test(ma))
    expect(wss).toMatch(new RegExp(`/p2p/${child.peerId}$`))
    const port = portOf(wss)
    expect(await serverFingerprint(port, first.cert)).toBe(first.fingerprint256)
    const logLines = (): Array<Record<string, unknown>> => child.output().split('\n')
      .filter(l => l.startsWith('{'))
      .map(l => JSON.parse(l) as Record<string, unknown>)
    expect(logLines().find(l => l.msg === 'loaded the WSS certificate')?.fingerprint256).toBe(first.fingerprint256)

    await install(files, second)
    process.kill(child.pid, 'SIGHUP')
    await vi.waitFor(() => {
      expect(logLines().find(l => l.msg === 'reloaded the WSS certificate')).toMatchObject({ level: 'info', fingerprint256: second.fingerprint256 })
    }, { timeout: 10_000, interval: 50 })
    expect(await serverFingerprint(port, second.cert)).toBe(second.fingerprint256)

    await install(files, { cert: 'garbage', key: second.key })
    process.kill(child.pid, 'SIGHUP')
    await vi.waitFor(() => {
      expect(logLines().find(l => l.msg === 'SIGHUP: kept the old WSS certificate')?.level).toBe('error')
    }, { timeout: 10_000, interval: 50 })
    expect(child.output()).toContain(files.cert)
    expect(await serverFingerprint(port, second.cert)).toBe(second.fingerprint256)
    expect(await child.stop()).toBe(0)
  })

  it('relay-node process: --wss-port without a certificate, or a certificate without --wss-port, exits with code 2', async () => {
    const files = tlsFiles()
    await install(files, await makeCert('unused'))
    const start = async (extraArgs: string[]): Promise<string> => {
      const err = await spawnRelay({ dataDir: join(dataDir, `bad-${extraArgs.length}`), webrtcDirectPort: 'off', extraArgs })
        .then(async (child) => { await child.stop(); return new Error('relay-node started') }, (e: unknown) => e as Error)
      expect(err).toBeInstanceOf(RelayStartError)
      expect(err.message).toMatch(/exited with code 2 /)
      return err.message
    }
    const [noCert, noPort] = await Promise.all([
      start(['--wss-port', '0']),
      start(['--tls-cert', files.cert, '--tls-key', files.key])
    ])
    expect(noCert).toContain('relay-node: --wss-port (PARLEY_RELAY_WSS_PORT) needs both --tls-cert (PARLEY_RELAY_TLS_CERT) and --tls-key (PARLEY_RELAY_TLS_KEY)')
    expect(noPort).toContain('relay-node: --tls-cert and --tls-key are only used with --wss-port')
  })
})

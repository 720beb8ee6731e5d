import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { byteStream, streamPair } from '@libp2p/utils'
import { describe, expect, it, vi } from 'vitest'
import { MAX_SPEEDTEST_BYTES, SPEEDTEST_PROTOCOL } from '@parley/protocol/speedtest/constants'
import { speedtest } from '../../../../src/lib/p2p/diagnostics/speedtest-service.ts'
import type { SpeedtestService } from '../../../../src/lib/p2p/diagnostics/speedtest-service.ts'
import type { ComponentLogger, Connection, Logger, PeerId, Stream, StreamHandler } from '@libp2p/interface'

const logger: ComponentLogger = {
  forComponent: () => Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => logger.forComponent('') }) as unknown as Logger
}

async function setup (allow = true): Promise<{ service: SpeedtestService, connection: Connection, inbound: Stream[], handled: Array<Promise<void>> }> {
  const registrar = { handle: vi.fn(async () => {}), unhandle: vi.fn(async () => {}) }
  const service = speedtest({ allow: async () => allow })({ registrar, logger })
  await service.start()
  const handler = (registrar.handle.mock.calls[0] as unknown as [string, StreamHandler])[1]
  const peer: PeerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const inbound: Stream[] = []
  const handled: Array<Promise<void>> = []
  const connection = {
    remotePeer: peer,
    newStream: async () => {
      const [out, inb] = await streamPair({ protocol: SPEEDTEST_PROTOCOL })
      inbound.push(inb)
      handled.push(Promise.resolve(handler(inb, { remotePeer: peer } as unknown as Connection)))
      return out
    }
  } as unknown as Connection
  return { service, connection, inbound, handled }
}

describe('/parley/speedtest/1.0.0', () => {
  it('sends the announced bytes and gets the same count back', async () => {
    const { service, connection, handled } = await setup()
    const result = await service.run(connection, 1_000_000)
    await Promise.all(handled)
    expect(result.bytes).toBe(1_000_000)
    expect(result.ms).toBeGreaterThan(0)
  })

  it('refuses peers that are not allowed and sizes outside 1..64 MiB', async () => {
    const denied = await setup(false)
    await expect(denied.service.run(denied.connection, 1000)).rejects.toThrow()
    await Promise.all(denied.handled)
    expect(denied.inbound[0]?.status).toBe('aborted')

    const { service, connection } = await setup()
    await expect(service.run(connection, 0)).rejects.toThrow(RangeError)
    await expect(service.run(connection, MAX_SPEEDTEST_BYTES + 1)).rejects.toThrow(/1 to 67108864 bytes/)
  })

  it('aborts a stream that announces more than the limit, and one that ends early', async () => {
    const { connection, inbound, handled } = await setup()
    const tooBig = byteStream(await connection.newStream(SPEEDTEST_PROTOCOL))
    const header = new Uint8Array(8)
    new DataView(header.buffer).setBigUint64(0, BigInt(MAX_SPEEDTEST_BYTES + 1))
    await tooBig.write(header)
    await Promise.all(handled)
    expect(inbound[0]?.status).toBe('aborted')

    const shortStream = await connection.newStream(SPEEDTEST_PROTOCOL)
    const short = byteStream(shortStream)
    new DataView(header.buffer).setBigUint64(0, 1000n)
    await short.write(header)
    await short.write(new Uint8Array(10))
    await shortStream.close()
    await Promise.all(handled)
    expect(inbound[1]?.status).toBe('aborted')
  })
})

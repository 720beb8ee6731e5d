import { timeoutsOf } from '../../../src/lib/contract/define.ts'
import { describe, expect, it, vi } from 'vitest'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import { testContract, testHandlers } from '../../support/rpc-fixtures.ts'

describe('RpcServer onOtherMessage', () => {
  it('hands non-RPC messages with their ports to the hook, and RPC keeps working', async () => {
    const seen: Array<{ data: unknown, ports: number }> = []
    const log = vi.fn()
    const server = new RpcServer(testContract, testHandlers(), {
      log,
      onOtherMessage: (data, ports) => {
        seen.push({ data, ports: ports.length })
        return (data as { type?: string }).type === 'rtc-host'
      }
    })
    const { port1, port2 } = new MessageChannel()
    server.addPort(port2)
    const client = new RpcClient(timeoutsOf(testContract), port1)

    const extra = new MessageChannel()
    port1.postMessage({ type: 'rtc-host', visible: true }, [extra.port2])
    port1.postMessage({ type: 'something-else' })
    expect((await client.call('getStatus')).phase).toBe('online')
    await vi.waitFor(() => { expect(seen).toHaveLength(2) })
    expect(seen[0]).toEqual({ data: { type: 'rtc-host', visible: true }, ports: 1 })
    // the unhandled one is logged and dropped as before
    expect(log.mock.calls.some(c => String(c[0]).includes('dropped invalid message'))).toBe(true)
    client.close()
    extra.port1.close()
  })
})

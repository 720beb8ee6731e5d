import { afterEach, describe, expect, it, vi } from 'vitest'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import { readLocaleParams } from '../../../src/lib/rpc/guards.ts'
import { handleSetLocale } from '../../../src/lib/rpc/locale.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import type { RpcHandlers } from '../../../src/lib/rpc/server.ts'

/*
 * NodeApi.setLocale: the worker's realm follows the tab's language. The guard
 * takes exactly { locale } with a language Parley speaks; anything else is
 * refused in words and changes nothing. Over a real MessageChannel with the
 * worker's handler (rpc/locale.ts, as src/workers/node-core.ts registers it).
 */

const startLocale = getLocale()
afterEach(() => { setLocale(startLocale) })

describe('readLocaleParams', () => {
  it('accepts exactly { locale } with en or ru', () => {
    expect(readLocaleParams({ locale: 'en' })).toBe('en')
    expect(readLocaleParams({ locale: 'ru' })).toBe('ru')
  })

  it.each([
    ['a language Parley does not speak', { locale: 'de' }],
    ['a region tag', { locale: 'ru-RU' }],
    ['upper case', { locale: 'RU' }],
    ['a number', { locale: 42 }],
    ['a bare string', 'ru'],
    ['a bare number', 42],
    ['null', null],
    ['no locale', {}],
    ['an extra key', { locale: 'ru', also: 'en' }],
    ['a list', ['ru']]
  ])('refuses %s in words', (_name, params) => {
    setLocale('en')
    expect(() => readLocaleParams(params)).toThrow(expect.objectContaining({
      name: 'InvalidRpcMessageError',
      message: 'setLocale needs exactly { locale } with one of the languages Parley speaks: en, ru.'
    }))
    // the refusal is in the worker's current language
    setLocale('ru')
    expect(() => readLocaleParams(params)).toThrow('setLocale ожидает ровно { locale } с одним из языков Parley: en, ru.')
  })
})

describe('setLocale over RPC', () => {
  function connect (): { client: RpcClient, close: () => void } {
    const fail = (): never => { throw new Error('not used') }
    const handlers = new Proxy({ setLocale: handleSetLocale } as Partial<RpcHandlers>, {
      get: (target, key: string) => target[key as keyof RpcHandlers] ?? fail
    }) as RpcHandlers
    const server = new RpcServer(handlers, { log: vi.fn() })
    const channel = new MessageChannel()
    server.addPort(channel.port2)
    const client = new RpcClient(channel.port1, { log: vi.fn() })
    return {
      client,
      close: () => { client.close(); server.close(); channel.port1.close(); channel.port2.close() }
    }
  }

  it('switches the worker realm\'s language, and refuses bad input without changing it', async () => {
    const { client, close } = connect()
    try {
      setLocale('en')
      await expect(client.call('setLocale', { locale: 'ru' })).resolves.toBeNull()
      expect(getLocale()).toBe('ru')

      // 'de' and 42 are refused with a clear error (in the current language, Russian), nothing changes
      await expect(client.call('setLocale', { locale: 'de' } as never)).rejects.toMatchObject({
        name: 'InvalidRpcMessageError', message: expect.stringMatching(/^setLocale ожидает ровно \{ locale \}/)
      })
      await expect(client.call('setLocale', 42 as never)).rejects.toMatchObject({ name: 'InvalidRpcMessageError' })
      expect(getLocale()).toBe('ru')

      await client.call('setLocale', { locale: 'en' })
      expect(getLocale()).toBe('en')
      await expect(client.call('setLocale', { locale: 'de' } as never)).rejects.toMatchObject({
        message: 'setLocale needs exactly { locale } with one of the languages Parley speaks: en, ru.'
      })
    } finally {
      close()
    }
  })
})

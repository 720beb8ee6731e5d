import { timeoutsOf } from '../../../src/lib/contract/define.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { identityMethods } from '../../../src/lib/contract/methods/identity.ts'
import { SchemaError } from '../../../src/lib/contract/schema.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'

/*
 * setLocale: the worker's realm follows the tab's language. The contract takes
 * exactly { locale } with a language Parley speaks; anything else is refused
 * at the RPC edge, said in words by the tab, and changes nothing. Over a real
 * MessageChannel with a handler that does what src/workers/node-core.ts does.
 */

const startLocale = getLocale()
afterEach(() => { setLocale(startLocale) })

const params = identityMethods.setLocale.params

describe('setLocale params', () => {
  it('accepts exactly { locale } with en or ru', () => {
    expect(params.parse({ locale: 'en' })).toEqual({ locale: 'en' })
    expect(params.parse({ locale: 'ru' })).toEqual({ locale: 'ru' })
  })

  it.each([
    ['a language Parley does not speak', { locale: 'de' }, "params.locale must be one of 'en', 'ru', not text of 2 characters"],
    ['a region tag', { locale: 'ru-RU' }, "params.locale must be one of 'en', 'ru', not text of 5 characters"],
    ['upper case', { locale: 'RU' }, "params.locale must be one of 'en', 'ru', not text of 2 characters"],
    ['a number', { locale: 42 }, "params.locale must be one of 'en', 'ru', not the number 42"],
    ['a bare string', 'ru', 'params must be exactly { locale }, not text of 2 characters'],
    ['a bare number', 42, 'params must be exactly { locale }, not the number 42'],
    ['null', null, 'params must be exactly { locale }, not null'],
    ['no locale', {}, 'params must be exactly { locale }: "locale" is missing'],
    ['an extra key', { locale: 'ru', also: 'en' }, 'params must be exactly { locale }: unexpected key "also"'],
    ['a list', ['ru'], 'params must be exactly { locale }, not a list of 1']
  ])('refuses %s in words', (_name, value, problem) => {
    expect(() => params.parse(value)).toThrow(new SchemaError(problem))
  })
})

describe('setLocale over RPC', () => {
  function connect (): { client: RpcClient<typeof contract>, close: () => void } {
    const server = new RpcServer(contract, { setLocale: ({ locale }) => { setLocale(locale); return null } }, { log: vi.fn() })
    const channel = new MessageChannel()
    server.addPort(channel.port2)
    const client = new RpcClient(timeoutsOf(contract), channel.port1, { log: vi.fn() })
    return {
      client,
      close: () => { client.close(); server.close(); channel.port1.close(); channel.port2.close() }
    }
  }
  const contract = { methods: { setLocale: identityMethods.setLocale }, events: {} }

  it('switches the worker realm\'s language, and refuses bad input without changing it', async () => {
    const { client, close } = connect()
    try {
      setLocale('en')
      await expect(client.call('setLocale', { locale: 'ru' })).resolves.toBeNull()
      expect(getLocale()).toBe('ru')

      // 'de' and 42 are refused with a clear error (worded by the tab in its language), nothing changes
      const refused: unknown = await client.call('setLocale', { locale: 'de' } as never).catch((err: unknown) => err)
      expect(refused).toMatchObject({ name: 'InvalidParamsError', code: 'invalidParams', params: { method: 'setLocale' } })
      expect(textOfError(refused)).toBe("Узел отклонил команду с неверными данными (setLocale: params.locale must be one of 'en', 'ru', not text of 2 characters).")
      await expect(client.call('setLocale', 42 as never)).rejects.toMatchObject({ name: 'InvalidParamsError' })
      expect(getLocale()).toBe('ru')

      await client.call('setLocale', { locale: 'en' })
      expect(getLocale()).toBe('en')
      expect(textOfError(await client.call('setLocale', { locale: 'de' } as never).catch((err: unknown) => err))).toBe(
        "The node refused a command with wrong data (setLocale: params.locale must be one of 'en', 'ru', not text of 2 characters).")
    } finally {
      close()
    }
  })
})

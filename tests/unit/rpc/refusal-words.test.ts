import '../../support/russian.ts'
import { method, returns, timeoutsOf } from '../../../src/lib/contract/define.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SchemaError, v } from '../../../src/lib/contract/schema.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'

/*
 * A refusal at the RPC edge is a code the tab words in its own language,
 * whatever the worker's realm speaks: the node needs no language. A method
 * taking exactly { locale } with a language Parley speaks; anything else is
 * refused at the edge, said in words by the tab, and changes nothing. Over a
 * real MessageChannel.
 */

const startLocale = getLocale()
afterEach(() => { setLocale(startLocale) })

const contract = {
  methods: { chooseLanguage: method({ params: v.object({ locale: v.literal('en', 'ru') }), result: returns<null>() }) },
  events: {}
}
const params = contract.methods.chooseLanguage.params

describe('a literal-choice param', () => {
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

describe('refusals over RPC', () => {
  /** The language the handler was last given (what a call changed). */
  let chosen = 'none'
  function connect (): { client: RpcClient<typeof contract>, close: () => void } {
    const server = new RpcServer(contract, { chooseLanguage: ({ locale }) => { chosen = locale; return null } }, { log: vi.fn() })
    const channel = new MessageChannel()
    server.addPort(channel.port2)
    const client = new RpcClient(timeoutsOf(contract), channel.port1, { log: vi.fn() })
    return {
      client,
      close: () => { client.close(); server.close(); channel.port1.close(); channel.port2.close() }
    }
  }

  it('refuses bad input without calling the handler, in the words of the tab\'s language', async () => {
    const { client, close } = connect()
    try {
      await expect(client.call('chooseLanguage', { locale: 'ru' })).resolves.toBeNull()
      expect(chosen).toBe('ru')

      // 'de' and 42 are refused with a clear error (worded by the tab in its language), nothing changes
      const refused: unknown = await client.call('chooseLanguage', { locale: 'de' } as never).catch((err: unknown) => err)
      expect(refused).toMatchObject({ name: 'InvalidParamsError', code: 'invalidParams', params: { method: 'chooseLanguage' } })
      setLocale('ru')
      expect(textOfError(refused)).toBe("Узел отклонил команду с неверными данными (chooseLanguage: params.locale must be one of 'en', 'ru', not text of 2 characters).")
      await expect(client.call('chooseLanguage', 42 as never)).rejects.toMatchObject({ name: 'InvalidParamsError' })
      expect(chosen).toBe('ru')

      // the same refusal, the tab now in English: the words follow the tab, the code stayed the same
      setLocale('en')
      expect(textOfError(refused)).toBe(
        "The node refused a command with wrong data (chooseLanguage: params.locale must be one of 'en', 'ru', not text of 2 characters).")
      await client.call('chooseLanguage', { locale: 'en' })
      expect(chosen).toBe('en')
    } finally {
      close()
    }
  })
})

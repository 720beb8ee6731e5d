import { describe, expect, it } from 'vitest'
import { answerCommand, DownloadIds, parse } from '../../support/firefox-bidi.ts'

describe('the BiDi shim between Playwright and Firefox ESR', () => {
  it('answers a media-features override that only clears features, and passes every other command on', () => {
    expect(answerCommand({ id: 7, method: 'emulation.setMediaFeaturesOverride', params: { features: {}, userContexts: ['u'] } }))
      .toEqual({ type: 'success', id: 7, result: {} })
    expect(answerCommand({ id: 8, method: 'emulation.setMediaFeaturesOverride', params: { features: { 'prefers-color-scheme': null } } }))
      .toEqual({ type: 'success', id: 8, result: {} })
    expect(answerCommand({ id: 9, method: 'browser.setDownloadBehavior', params: {} })).toBeUndefined()
  })

  it('refuses a real media-features override instead of pretending it took effect', () => {
    const answer = answerCommand({ id: 3, method: 'emulation.setMediaFeaturesOverride', params: { features: { 'prefers-color-scheme': 'dark' } } })
    expect(answer).toMatchObject({ type: 'error', id: 3, error: 'unsupported operation' })
    expect(answerCommand({ id: 4, method: 'emulation.setMediaFeaturesOverride', params: {} })).toMatchObject({ type: 'error', id: 4 })
  })

  it('gives a download\'s start and end events one id, per page and URL, in order', () => {
    const ids = new DownloadIds()
    const event = (method: string, context: string, url: string): { type: string, method: string, params: Record<string, unknown> } =>
      ({ type: 'event', method, params: { context, url, navigation: null, timestamp: 1 } })
    const begin1 = ids.rewrite(event('browsingContext.downloadWillBegin', 'c1', 'blob:a'))
    const begin2 = ids.rewrite(event('browsingContext.downloadWillBegin', 'c1', 'blob:a'))
    const other = ids.rewrite(event('browsingContext.downloadWillBegin', 'c2', 'blob:a'))
    const end1 = ids.rewrite(event('browsingContext.downloadEnd', 'c1', 'blob:a'))
    const endOther = ids.rewrite(event('browsingContext.downloadEnd', 'c2', 'blob:a'))
    const end2 = ids.rewrite(event('browsingContext.downloadEnd', 'c1', 'blob:a'))

    const id = (m: { params?: Record<string, unknown> }): unknown => m.params?.['download']
    expect(typeof id(begin1)).toBe('string')
    expect(new Set([id(begin1), id(begin2), id(other)]).size).toBe(3)
    expect([id(end1), id(end2), id(endOther)]).toEqual([id(begin1), id(begin2), id(other)])
    expect(end1.params).toMatchObject({ context: 'c1', url: 'blob:a', timestamp: 1, navigation: null })
  })

  it('leaves events that already carry a navigation or download id, other events and unmatched ends as they are', () => {
    const ids = new DownloadIds()
    const withNavigation = { type: 'event', method: 'browsingContext.downloadWillBegin', params: { context: 'c', url: 'u', navigation: 'n1' } }
    const withId = { type: 'event', method: 'browsingContext.downloadWillBegin', params: { context: 'c', url: 'u', navigation: null, download: 'd1' } }
    const load = { type: 'event', method: 'browsingContext.load', params: { context: 'c', url: 'u', navigation: null } }
    const lonelyEnd = { type: 'event', method: 'browsingContext.downloadEnd', params: { context: 'c', url: 'u', navigation: null } }
    expect(ids.rewrite(withNavigation)).toBe(withNavigation)
    expect(ids.rewrite(withId)).toBe(withId)
    expect(ids.rewrite(load)).toBe(load)
    expect(ids.rewrite(lonelyEnd)).toBe(lonelyEnd)
  })

  it('reads only JSON objects as messages', () => {
    expect(parse('{"id":1,"method":"session.status"}')).toEqual({ id: 1, method: 'session.status' })
    expect(parse('not json')).toBeUndefined()
    expect(parse('42')).toBeUndefined()
    expect(parse('null')).toBeUndefined()
  })
})

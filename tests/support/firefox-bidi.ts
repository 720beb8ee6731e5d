/**
 * What tests/support/firefox-bidi-shim.ts changes in the WebDriver BiDi
 * traffic between Playwright and Firefox ESR (docs/testing.md, "Firefox"):
 * the answer to a media-features override ESR 153 does not know, and ids for
 * its downloads. Pure functions, unit-tested in tests/unit/scripts/.
 */

/** A BiDi command, event or reply, as far as the shim reads it. */
export interface BidiMessage {
  id?: unknown
  type?: unknown
  method?: unknown
  params?: Record<string, unknown>
  result?: unknown
  error?: string
  message?: string
}

export function parse (data: string): BidiMessage | undefined {
  try {
    const value: unknown = JSON.parse(data)
    return typeof value === 'object' && value !== null ? value as BidiMessage : undefined
  } catch {
    // not JSON: not ours to judge, Firefox answers it
    return undefined
  }
}

/** The reply to a command the shim answers itself, or undefined to pass it on. */
export function answerCommand (message: BidiMessage): BidiMessage | undefined {
  if (message.method !== 'emulation.setMediaFeaturesOverride') return undefined
  const features = message.params?.['features']
  const clearsOnly = typeof features === 'object' && features !== null && Object.values(features).every((v) => v === null || v === undefined)
  return clearsOnly
    ? { type: 'success', id: message.id, result: {} }
    : { type: 'error', id: message.id, error: 'unsupported operation', message: 'Firefox ESR has no emulation.setMediaFeaturesOverride: media features cannot be emulated here (tests/support/firefox-bidi-shim.ts)' }
}

/**
 * Gives downloads the id Playwright matches their events by (`download`, or
 * else `navigation`): ESR 153 sends neither (`navigation: null`), so a
 * made-up `download` id goes into `downloadWillBegin` and into the next
 * `downloadEnd` of the same page and URL.
 */
export class DownloadIds {
  private next = 1
  private readonly open = new Map<string, string[]>()

  rewrite (message: BidiMessage): BidiMessage {
    const params = message.params
    if (message.type !== 'event' || params === undefined || params['navigation'] !== null || params['download'] !== undefined) return message
    const key = `${String(params['context'])} ${String(params['url'])}`
    if (message.method === 'browsingContext.downloadWillBegin') {
      const id = `firefox-download-${this.next++}`
      this.open.set(key, [...(this.open.get(key) ?? []), id])
      return { ...message, params: { ...params, download: id } }
    }
    if (message.method === 'browsingContext.downloadEnd') {
      const [id, ...rest] = this.open.get(key) ?? []
      if (id === undefined) return message
      if (rest.length === 0) this.open.delete(key)
      else this.open.set(key, rest)
      return { ...message, params: { ...params, download: id } }
    }
    return message
  }
}

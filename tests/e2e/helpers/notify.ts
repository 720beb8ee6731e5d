import type { Page } from '@playwright/test'

/**
 * Makes the page report itself hidden (or visible again) and fires
 * `visibilitychange`, as the browser does when the tab goes to the
 * background. Headless Chromium keeps every tab 'visible' (bringing another
 * tab to the front or minimising the window through CDP changes nothing), so
 * the property is overridden on this document; the rest (the node's message
 * event, the service worker's showNotification) is the real thing.
 */
export async function setHidden (page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hide) => {
    if (hide) {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
    } else {
      // back to the prototype's real getters
      Reflect.deleteProperty(document, 'visibilityState')
      Reflect.deleteProperty(document, 'hidden')
    }
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}

export async function shownNotifications (page: Page): Promise<Array<{ title: string, body: string, tag: string, href: unknown }>> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready
    const shown = await registration.getNotifications()
    return shown.map(n => ({ title: n.title, body: n.body, tag: n.tag, href: (n.data as { href?: unknown } | null)?.href }))
  })
}

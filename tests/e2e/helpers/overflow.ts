import type { Page } from '@playwright/test'

/**
 * What is wider than the screen (issue 56, item 1): the page's layout width
 * against `visualViewport.width`, which is what a phone shows (a page wider
 * than that pans sideways, whatever `innerWidth` says), and every element
 * shown past either edge or scrolling sideways inside its box (a pane that
 * scrolls on its own hides overflow from the page's width). Cut by design:
 * what a clipping ancestor hides (text ending in an ellipsis), the
 * visually-hidden text for screen readers, a row that scrolls sideways on
 * purpose (`data-scrolls-sideways`).
 *
 * Returns one line per problem (empty: it fits), each naming the element as
 * `tag.class "text"` with its edges, at most {@link MAX_REPORTED}.
 */
export async function overflowAt (page: Page): Promise<string[]> {
  return page.evaluate(`(${READ_OVERFLOW})(${MAX_REPORTED}, ${EDGE_SLACK_PX})`)
}

/** Problems named per screen and width (the rest are counted). */
const MAX_REPORTED = 8

/** Sub-pixel layout: edges this close to the screen's count as inside. */
const EDGE_SLACK_PX = 0.5

/** Run in the page (a string, so the bundler's helpers never leak into it). */
const READ_OVERFLOW = `(max, slack) => {
  const width = visualViewport === null ? innerWidth : visualViewport.width
  const found = []
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className !== '' ? '.' + el.className.trim().split(/\\s+/).filter(c => !c.startsWith('svelte-')).join('.') : ''
    const text = (el.textContent ?? '').trim().replace(/\\s+/g, ' ').slice(0, 40)
    return el.tagName.toLowerCase() + cls + (text === '' ? '' : ' "' + text + '"')
  }
  const layout = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)
  if (layout > width + slack) found.push('the page is ' + layout + ' px wide on a ' + width + ' px screen')
  /** cut on purpose: hidden from sight, or inside something that says it scrolls sideways */
  const exempt = (el) => el.closest('[data-scrolls-sideways], .visually-hidden') !== null
  /** the part of a box its clipping ancestors let show (text cut with an ellipsis); what escapes them widens the page, counted above */
  const visiblePart = (el, box) => {
    let left = box.left
    let right = box.right
    for (let up = el.parentElement; up !== null && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === 'visible') continue
      const clip = up.getBoundingClientRect()
      left = Math.max(left, clip.left)
      right = Math.min(right, clip.right)
    }
    return { left, right }
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getClientRects().length === 0 || exempt(el)) continue
    const style = getComputedStyle(el)
    if (style.visibility === 'hidden') continue
    const box = el.getBoundingClientRect()
    if (box.width > 0 && (box.right > width + slack || box.left < -slack)) {
      const seen = visiblePart(el, box)
      if (seen.right > width + slack || seen.left < -slack) found.push(name(el) + ' spans ' + Math.round(box.left) + '–' + Math.round(box.right) + ' px')
    }
    const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll'
    if (scrolls && el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== 'ellipsis') {
      found.push(name(el) + ' scrolls sideways: ' + el.scrollWidth + ' px in ' + el.clientWidth)
    }
  }
  const shown = found.slice(0, max)
  if (found.length > max) shown.push('… and ' + (found.length - max) + ' more')
  return shown
}`

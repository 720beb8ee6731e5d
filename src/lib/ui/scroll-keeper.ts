/**
 * Keeps a chat log where the reader is while its content changes size
 * (issue 22, "Open where the reader is"). Messages change height after they
 * are first laid out: off-screen ones are laid out at a placeholder height
 * until they come near the view (`content-visibility: auto`), thumbnails
 * appear, a file card's progress comes and goes. Each such change would move
 * what the reader looks at; this puts it back before the frame is painted
 * (a ResizeObserver on the log and on its list of messages).
 *
 * The reader is either at the bottom (the state's `stickToBottom`: the newest
 * message's bottom edge stays at the log's bottom edge, above the composer)
 * or on an anchor: a message and its distance from the top of the log's
 * visible area, taken whenever the reader scrolls. Everything is measured
 * inside the log element, never against the page, so the page's layout
 * around the log does not matter.
 */

/** Within this many pixels of the bottom, the reader is at the bottom (and follows new messages). */
export const BOTTOM_SLACK_PX = 48

/** A message and its top edge's distance below the top of the log's visible area, in px. */
export interface Anchor {
  id: string
  offset: number
}

/** What the keeper reads and sets: whether the reader follows the newest message (ChatManager). */
export interface FollowState {
  stickToBottom: boolean
}

/** The scroll figures of an element, as the DOM has them. */
export interface ScrollMetrics {
  scrollTop: number
  scrollHeight: number
  clientHeight: number
}

/** Pixels of content below the visible area (0 when scrolled to the end). */
export function distanceFromBottom (m: ScrollMetrics): number {
  return Math.max(0, m.scrollHeight - m.scrollTop - m.clientHeight)
}

/**
 * The index of the first of `count` items, laid out top to bottom, whose
 * bottom edge is below `top` (a binary search: items in order have growing
 * bottoms), or -1 when none is.
 */
export function firstItemBelow (count: number, bottomOf: (index: number) => number, top: number): number {
  let low = 0
  let high = count
  while (low < high) {
    const mid = (low + high) >> 1
    if (bottomOf(mid) > top) high = mid
    else low = mid + 1
  }
  return low < count ? low : -1
}

/**
 * The scroll change that brings an element whose top edge is `currentOffset`
 * px below the view's top back to `anchor.offset` (0 when it is within half a
 * pixel: layout rounding is no reason to move).
 */
export function anchorCorrection (currentOffset: number, anchor: Anchor): number {
  const delta = currentOffset - anchor.offset
  return Math.abs(delta) < 0.5 ? 0 : delta
}

/** Messages are the list's items carrying this attribute (MessageBubble). */
const MESSAGE_ATTRIBUTE = 'data-message-id'

export class ScrollKeeper {
  readonly #log: HTMLElement
  readonly #list: HTMLElement
  readonly #state: FollowState
  readonly #atNewest: () => boolean
  readonly #observer: ResizeObserver
  #anchor: Anchor | undefined
  /**
   * Where the reader scrolled up to while the content was changing size, and
   * what they saw there: settle() decides whether they left the bottom, and
   * then holds that message (read at the scroll, since settle may come only
   * with a later change, such as an older page put in above).
   */
  #pending: { top: number, anchor: Anchor | undefined } | undefined
  /** The scrollTop this keeper set last: the scroll event that follows is not the reader's. */
  #ownScrollTop: number | undefined
  /** The scrollTop at the last scroll event or the keeper's last scroll. */
  #lastTop: number | undefined
  /** The log's and its content's heights when the keeper last settled them (`#sizes`). */
  #settledSizes = ''
  /** Whether the last settle (or scroll) left the view at the bottom of the newest message, and which that was. */
  #wasAtBottom = false
  #lastId: string | undefined

  /**
   * @param log the scrolling element
   * @param list the element holding the messages (its size changes with theirs)
   * @param atNewest whether the log holds the chat's newest message (only then is there a bottom to follow)
   */
  constructor (log: HTMLElement, list: HTMLElement, state: FollowState, atNewest: () => boolean) {
    this.#log = log
    this.#list = list
    this.#state = state
    this.#atNewest = atNewest
    // called after layout, before paint: the reader never sees the moved frame
    this.#observer = new ResizeObserver(() => { this.settle() })
    this.#observer.observe(log)
    this.#observer.observe(list)
  }

  /** Follows the newest message from now on, and goes there. */
  toBottom (): void {
    this.#state.stickToBottom = true
    this.settle()
  }

  /** Holds message `id` with its top edge `offset` px below the top of the visible area. */
  anchorAt (id: string, offset: number): void {
    this.#state.stickToBottom = false
    this.#anchor = { id, offset }
    this.settle()
  }

  /**
   * The log scrolled: where the reader is now is what to keep. Not every
   * scroll is the reader's: the keeper's own, the browser's scroll anchoring
   * and the clamping of a shrinking log scroll too, and a scroll event that
   * comes after the content changed size, before this frame's resize
   * observations, sees the view out of place. So following the newest
   * message stops only when the view moved up, away from the bottom, while
   * the log and its content have the size the keeper last settled them at.
   */
  onScroll (): void {
    const top = this.#log.scrollTop
    const before = this.#lastTop
    this.#lastTop = top
    if (this.#ownScrollTop !== undefined && Math.abs(top - this.#ownScrollTop) < 1) return
    this.#ownScrollTop = undefined
    const atBottom = distanceFromBottom(this.#log) <= BOTTOM_SLACK_PX
    if (this.#state.stickToBottom) {
      const movedUp = before !== undefined && top < before
      if (atBottom || !movedUp) return
      // resized since the last settle: the resize observer settles again before this frame is
      // painted, and decides then (a reader who jumped far up also lays out messages that were
      // placeholders, so their scroll can come with a resize)
      if (this.#sizes() !== this.#settledSizes) {
        this.#pending = { top, anchor: this.#readAnchor() }
        return
      }
    }
    this.#pending = undefined
    this.#state.stickToBottom = atBottom && this.#atNewest()
    this.#wasAtBottom = this.#state.stickToBottom
    this.#anchor = this.#state.stickToBottom ? undefined : this.#readAnchor()
    this.#showFollow()
  }

  /** Puts the view back where the reader is (after the content or the log changed size). */
  settle (): void {
    const log = this.#log
    const pending = this.#pending
    this.#pending = undefined
    // the reader scrolled up as the content changed size, and the view is still where they put
    // it, away from the bottom: they left the bottom (a clamp or a resize leaves it at the bottom)
    if (this.#state.stickToBottom && pending !== undefined && Math.abs(log.scrollTop - pending.top) < 1 &&
      distanceFromBottom(log) > BOTTOM_SLACK_PX) {
      this.#state.stickToBottom = false
      this.#anchor = pending.anchor ?? this.#readAnchor()
    }
    const lastId = this.#lastMessageId()
    // a new message arrived while the view showed everything up to the newest one: follow it
    if (!this.#state.stickToBottom && this.#wasAtBottom && lastId !== this.#lastId && this.#atNewest()) this.#state.stickToBottom = true
    this.#lastId = lastId
    if (this.#state.stickToBottom) {
      this.#scrollTo(log.scrollHeight)
    } else {
      const anchor = this.#anchor
      const element = anchor === undefined ? null : this.#message(anchor.id)
      if (anchor === undefined || element === null) {
        // nothing to hold yet, or the message left the window: hold what is in view now
        this.#anchor = this.#readAnchor()
      } else {
        const correction = anchorCorrection(element.getBoundingClientRect().top - log.getBoundingClientRect().top, anchor)
        if (correction !== 0) this.#scrollTo(log.scrollTop + correction)
      }
    }
    this.#wasAtBottom = this.#atNewest() && distanceFromBottom(log) <= 1
    this.#settledSizes = this.#sizes()
    this.#showFollow()
  }

  disconnect (): void {
    this.#observer.disconnect()
  }

  /** Says on the log what it keeps (`data-follow`: 'newest' or 'message'), so a failing test can tell. */
  #showFollow (): void {
    this.#log.dataset['follow'] = this.#state.stickToBottom ? 'newest' : 'message'
  }

  /** The log's and its content's heights, as one comparable value. */
  #sizes (): string {
    return `${this.#log.clientHeight} ${this.#list.getBoundingClientRect().height}`
  }

  #scrollTo (top: number): void {
    this.#log.scrollTop = top
    // read back: the browser clamps it to what the content allows
    this.#ownScrollTop = this.#log.scrollTop
    this.#lastTop = this.#ownScrollTop
  }

  #message (id: string): HTMLElement | null {
    return this.#list.querySelector<HTMLElement>(`[${MESSAGE_ATTRIBUTE}="${CSS.escape(id)}"]`)
  }

  #lastMessageId (): string | undefined {
    const items = this.#list.querySelectorAll<HTMLElement>(`:scope > [${MESSAGE_ATTRIBUTE}]`)
    return items[items.length - 1]?.getAttribute(MESSAGE_ATTRIBUTE) ?? undefined
  }

  /** The first message whose bottom edge is inside the visible area, and where its top is. */
  #readAnchor (): Anchor | undefined {
    const top = this.#log.getBoundingClientRect().top
    const items = this.#list.querySelectorAll<HTMLElement>(`:scope > [${MESSAGE_ATTRIBUTE}]`)
    const index = firstItemBelow(items.length, (i) => items[i]?.getBoundingClientRect().bottom ?? Infinity, top)
    const item = index < 0 ? undefined : items[index]
    const id = item?.getAttribute(MESSAGE_ATTRIBUTE)
    if (item === undefined || id == null) return undefined
    return { id, offset: item.getBoundingClientRect().top - top }
  }
}

/**
 * The gestures that open a message's menu: a context menu (right click, the
 * context-menu key, or a long press where the browser turns it into one) and
 * a long press on touch where it does not. A right click on selected text
 * keeps the browser's own menu, so part of a message can still be copied.
 */
import type { Attachment } from 'svelte/attachments'

/** How long a finger rests before the menu opens, in ms. */
export const LONG_PRESS_MS = 500
/** How far a finger may move and still be a press (not a scroll), in px. */
const SLOP_PX = 10

export function menuGestures (open: (x: number, y: number) => void): Attachment<HTMLElement> {
  return (element) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let start: { x: number, y: number } | undefined
    /** the long press opened the menu: the click that ends it must not do anything else */
    let pressed = false

    const stop = (): void => {
      clearTimeout(timer)
      timer = undefined
      start = undefined
    }
    const oncontextmenu = (event: MouseEvent): void => {
      const selection = getSelection()
      if (selection !== null && !selection.isCollapsed && element.contains(selection.anchorNode)) return
      event.preventDefault()
      stop()
      if (pressed) return
      open(event.clientX, event.clientY)
    }
    const onpointerdown = (event: PointerEvent): void => {
      pressed = false
      if (event.pointerType !== 'touch') return
      start = { x: event.clientX, y: event.clientY }
      timer = setTimeout(() => {
        timer = undefined
        if (start === undefined) return
        pressed = true
        open(start.x, start.y)
      }, LONG_PRESS_MS)
    }
    const onpointermove = (event: PointerEvent): void => {
      if (start !== undefined && Math.hypot(event.clientX - start.x, event.clientY - start.y) > SLOP_PX) stop()
    }
    const onclick = (event: MouseEvent): void => {
      if (!pressed) return
      pressed = false
      event.preventDefault()
      event.stopPropagation()
    }
    element.addEventListener('contextmenu', oncontextmenu)
    element.addEventListener('pointerdown', onpointerdown)
    element.addEventListener('pointermove', onpointermove)
    element.addEventListener('pointerup', stop)
    element.addEventListener('pointercancel', stop)
    element.addEventListener('click', onclick, true)
    return () => {
      stop()
      element.removeEventListener('contextmenu', oncontextmenu)
      element.removeEventListener('pointerdown', onpointerdown)
      element.removeEventListener('pointermove', onpointermove)
      element.removeEventListener('pointerup', stop)
      element.removeEventListener('pointercancel', stop)
      element.removeEventListener('click', onclick, true)
    }
  }
}

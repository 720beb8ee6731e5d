/** Message actions: reply (a field of sendMessage), react, edit, delete, read, typing, disappearing messages. */
import { method, returns } from '../define.ts'
import { contactId, longText, messageId, shortText } from '../ids.ts'
import { v } from '../schema.ts'

/** How long a tab shows "typing…" after the contact's last typing signal, in ms. */
export const TYPING_SHOWN_MS = 6000
/** While the user types, the tab calls setTyping(true) at most this often (the worker drops calls that come faster). */
export const TYPING_REPEAT_MS = 3000
/** The disappearing-messages timers one may choose, in seconds (0: off). */
export const CHAT_TIMERS = [0, 300, 3600, 86_400, 604_800] as const

/** Most message ids one markRead call may carry (the worker sends them in receipts of at most 64). */
export const MAX_MARK_READ_IDS = 256

export const actionsMethods = {
  /** react to a message with an emoji ('' takes our reaction back); replaces our earlier reaction to it */
  react: method({ params: v.object({ messageId: messageId(), emoji: shortText() }), result: returns<null>() }),
  /** replace the text of a text message we sent (within the edit window); the contact sees it "edited" */
  editMessage: method({ params: v.object({ messageId: messageId(), text: longText() }), result: returns<null>() }),
  /** delete a message here only, or for everyone (our own, within the delete window): text, file and search words go */
  deleteMessage: method({ params: v.object({ messageId: messageId(), forEveryone: v.boolean() }), result: returns<null>() }),
  /** these received messages were on screen in a visible tab: mark them read (and tell the contact when read receipts are on) */
  markRead: method({ params: v.object({ contactId: contactId(), ids: v.array(messageId(), { max: MAX_MARK_READ_IDS }) }), result: returns<null>() }),
  /** the user is (or stopped) typing to a contact: told to it when connected, never stored (rate-limited by the worker) */
  setTyping: method({ params: v.object({ contactId: contactId(), typing: v.boolean() }), result: returns<null>() }),
  /** the chat's disappearing-messages timer in seconds (0 = off; 300, 3600, 86400 or 604800), agreed with the contact */
  setChatTimer: method({ params: v.object({ contactId: contactId(), ttl: v.number({ integer: true, min: 0, max: 604_800 }) }), result: returns<null>() }),
  /** read receipts and typing indicators on this device (off: neither sent nor shown) */
  setMessagingSettings: method({ params: v.object({ readReceipts: v.boolean(), typing: v.boolean() }), result: returns<null>() })
} as const

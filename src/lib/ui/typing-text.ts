/**
 * The line under a chat's messages while others type to us, as a template
 * for Template.svelte (names are user data): "Bob is typing…", "Bob and
 * Carol are typing…", "Bob, Carol and Dave are typing…", then "Bob, Carol
 * and 2 others are typing…" (the count in the locale's plural form).
 */
import { t } from '../i18n/index.ts'

export interface TypingText {
  /** the sentence, its name placeholders unfilled */
  text: string
  values: Readonly<Record<string, string>>
}

/** The sentence for `names` (in the order they began typing), or undefined when nobody types. */
export function typingText (names: readonly string[]): TypingText | undefined {
  const [first, second, third] = names
  if (first === undefined) return undefined
  if (second === undefined) return { text: t('presence.typing'), values: { name: first } }
  if (third === undefined) return { text: t('presence.typingTwo'), values: { first, second } }
  if (names.length === 3) return { text: t('presence.typingThree'), values: { first, second, third } }
  return { text: t('presence.typingMore', { count: names.length - 2 }), values: { first, second } }
}

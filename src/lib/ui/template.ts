/**
 * A translated sentence with user data in it ("You blocked {name}…"), split
 * into parts so the data can be rendered in its own element with
 * `translate="no"` (a name is not translated, by the browser or by the
 * "no English left" check), always as text, never as HTML.
 *
 * Pass the template unfilled: `t('contacts.blocked')` leaves `{name}` in
 * place when no `name` param is given. Placeholders filled by `t()` itself
 * (numbers, say) are ordinary text.
 */

export interface TemplatePart {
  text: string
  /** user data: to be shown with translate="no" */
  data: boolean
}

const PLACEHOLDER = /\{(\w+)\}/g

/**
 * The parts of `template`, each `{name}` found in `values` replaced by its
 * value as a data part; unknown placeholders stay as they are. Empty literal
 * parts are left out.
 */
export function templateParts (template: string, values: Readonly<Record<string, string>>): TemplatePart[] {
  const parts: TemplatePart[] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    const value = values[match[1] as string]
    if (value === undefined) continue
    if (match.index > last) parts.push({ text: template.slice(last, match.index), data: false })
    parts.push({ text: value, data: true })
    last = match.index + match[0].length
  }
  if (last < template.length) parts.push({ text: template.slice(last), data: false })
  return parts
}

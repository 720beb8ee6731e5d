import '../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { templateParts } from '../../../src/lib/ui/template.ts'
import { typingText } from '../../../src/lib/ui/typing-text.ts'

/** The typing line's words (ui/typing-text.ts): one, two, three and more people, in English and Russian. */

afterEach(() => { setLocale('en') })

/** the line as shown, and which parts are names (translate="no") */
function shown (names: readonly string[]): { text: string, names: string[] } | undefined {
  const line = typingText(names)
  if (line === undefined) return undefined
  const parts = templateParts(line.text, line.values)
  return { text: parts.map(p => p.text).join(''), names: parts.filter(p => p.data).map(p => p.text) }
}

const PEOPLE = ['Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi']

describe('typingText', () => {
  it('says nothing when nobody types', () => {
    expect(typingText([])).toBeUndefined()
  })

  it('names one, two and three people, then the first two and how many others', () => {
    expect(shown(['Bob'])).toEqual({ text: 'Bob is typing…', names: ['Bob'] })
    expect(shown(['Bob', 'Carol'])).toEqual({ text: 'Bob and Carol are typing…', names: ['Bob', 'Carol'] })
    expect(shown(['Bob', 'Carol', 'Dave'])?.text).toBe('Bob, Carol and Dave are typing…')
    expect(shown(PEOPLE.slice(0, 4))).toEqual({ text: 'Bob, Carol and 2 others are typing…', names: ['Bob', 'Carol'] })
    expect(shown(PEOPLE)?.text).toBe('Bob, Carol and 5 others are typing…')
  })

  it('a name that looks like a placeholder stays a name', () => {
    expect(shown(['{second}', 'Carol'])?.text).toBe('{second} and Carol are typing…')
  })

  it('takes the right Russian form for the others: 2, 5, 21 and 22', () => {
    setLocale('ru')
    expect(shown(['Боб'])?.text).toBe('Боб печатает…')
    expect(shown(['Боб', 'Кэрол'])?.text).toBe('Боб и Кэрол печатают…')
    expect(shown(['Боб', 'Кэрол', 'Дэйв'])?.text).toBe('Боб, Кэрол и Дэйв печатают…')
    const others = (count: number): string | undefined => shown(['Боб', 'Кэрол', ...Array.from({ length: count }, (_, i) => `m${i}`)])?.text
    expect([2, 5, 21, 22].map(others)).toEqual([
      'Боб, Кэрол и ещё 2 человека печатают…',
      'Боб, Кэрол и ещё 5 человек печатают…',
      'Боб, Кэрол и ещё 21 человек печатают…',
      'Боб, Кэрол и ещё 22 человека печатают…'
    ])
  })
})

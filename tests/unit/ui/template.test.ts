import '../../support/russian.ts'
import { describe, expect, it } from 'vitest'
import { t } from '../../../src/lib/i18n/index.ts'
import { templateParts } from '../../../src/lib/ui/template.ts'

describe('templateParts', () => {
  it('splits a sentence around its user data', () => {
    expect(templateParts('You blocked {name}: they cannot connect.', { name: 'Bob' })).toEqual([
      { text: 'You blocked ', data: false },
      { text: 'Bob', data: true },
      { text: ': they cannot connect.', data: false }
    ])
  })

  it('gives data at either end without empty parts, and several placeholders', () => {
    expect(templateParts('{name} and {other}', { name: 'A', other: 'B' })).toEqual([
      { text: 'A', data: true },
      { text: ' and ', data: false },
      { text: 'B', data: true }
    ])
    expect(templateParts('{name}', { name: '' })).toEqual([{ text: '', data: true }])
  })

  it('keeps values as text, however they look, and leaves unknown placeholders alone', () => {
    const hostile = '<img src=x onerror=alert(1)> {name} $& $1'
    expect(templateParts('Hi {name}, {unknown}', { name: hostile })).toEqual([
      { text: 'Hi ', data: false },
      { text: hostile, data: true },
      { text: ', {unknown}', data: false }
    ])
  })

  it('works on an unfilled t() template, in each language', () => {
    const en = templateParts(t('contacts.verified', undefined, 'en'), { name: 'Alice' })
    expect(en.map(part => part.text).join('')).toBe('✓ You verified Alice.')
    const ru = templateParts(t('contacts.verified', undefined, 'ru'), { name: 'Alice' })
    expect(ru).toContainEqual({ text: 'Alice', data: true })
    expect(ru.filter(part => !part.data).map(part => part.text).join('')).not.toMatch(/[A-Za-z]/)
  })
})

/** Mentions in group messages (model/mentions.ts): found in text, typed, suggested, put in. */
import { describe, expect, it } from 'vitest'
import { linkify } from '../../../src/lib/model/linkify.ts'
import { insertMention, markMentions, mentionQuery, mentions, suggest, MAX_SUGGESTIONS } from '../../../src/lib/model/mentions.ts'

const NAMES = ['Ann', 'Ann Lee', 'Bob']

describe('markMentions', () => {
  it('splits out @Name for the group\'s names, the longest name first, case-insensitively; ours is marked', () => {
    const segments = markMentions([{ kind: 'text', text: 'Hi @ann lee and @Bob, see @Annie and @Ann!' }], NAMES, 'Bob')
    expect(segments).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'mention', text: '@ann lee', me: false },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@Bob', me: true },
      { kind: 'text', text: ', see @Annie and ' },
      { kind: 'mention', text: '@Ann', me: false },
      { kind: 'text', text: '!' }
    ])
  })

  it('leaves e-mail addresses, links and unknown names alone', () => {
    const segments = markMentions(linkify('mail ann@Bob.org or https://x.org/@Bob, not @Carol'), NAMES, undefined)
    expect(segments.some(s => s.kind === 'mention')).toBe(false)
    expect(segments.map(s => s.text).join('')).toBe('mail ann@Bob.org or https://x.org/@Bob, not @Carol')
  })

  it('says whether a text mentions a name', () => {
    expect(mentions('ok @Bob', 'Bob')).toBe(true)
    expect(mentions('ok @Bobby', 'Bob')).toBe(false)
    expect(mentions('ok Bob', 'Bob')).toBe(false)
  })
})

describe('typing a mention', () => {
  it('finds the @ being typed at the caret, not across a line break, after a word or too long ago', () => {
    expect(mentionQuery('hi @An', 6)).toEqual({ start: 3, query: 'An' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('hi @Ann Lee', 11)).toEqual({ start: 3, query: 'Ann Lee' })
    expect(mentionQuery('mail a@b', 8)).toBeUndefined()
    expect(mentionQuery('@Ann\nso', 7)).toBeUndefined()
    expect(mentionQuery(`@${'x'.repeat(65)}`, 66)).toBeUndefined()
    expect(mentionQuery('no at', 5)).toBeUndefined()
  })

  it('suggests names that start with the query first, then those with a word that does, at most a few', () => {
    const people = [{ name: 'Lee Ann' }, { name: 'Ann' }, { name: 'Bob' }, { name: 'annika' }]
    expect(suggest(people, 'an').map(p => p.name)).toEqual(['Ann', 'annika', 'Lee Ann'])
    expect(suggest(people, '').map(p => p.name)).toEqual(['Ann', 'annika', 'Bob', 'Lee Ann'])
    expect(suggest(Array.from({ length: 20 }, (_, i) => ({ name: `P${i}` })), 'p')).toHaveLength(MAX_SUGGESTIONS)
  })

  it('puts @Name and a space in place of what was typed, keeping the rest', () => {
    expect(insertMention('hi @An there', { start: 3, query: 'An' }, 6, 'Ann Lee')).toEqual({ text: 'hi @Ann Lee there', caret: 12 })
    expect(insertMention('@b', { start: 0, query: 'b' }, 2, 'Bob')).toEqual({ text: '@Bob ', caret: 5 })
  })
})

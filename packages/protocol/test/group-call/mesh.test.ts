/**
 * Who offers to whom in a group call (src/group-call/mesh.ts): a joiner
 * offers to those in the call and learns of the others from their replies;
 * crossing joins (glare) leave one offer, the smaller PeerID's, whichever
 * arrives first; a full call is refused and left; a device that joins again
 * replaces its pair.
 */
import { describe, expect, it } from 'vitest'
import { CallMesh, glareWinner } from '../../src/group-call/mesh.ts'
import { MAX_GROUP_CALL_PARTICIPANTS } from '../../src/group-call/constants.ts'

// PeerID-like strings: the rules compare them as strings only
const [ann, bob, cat, dan] = ['12D3KooWAnn', '12D3KooWBob', '12D3KooWCat', '12D3KooWDan'] as const

describe('CallMesh', () => {
  it('a joiner offers to those it knows, and to those their replies name', () => {
    const starter = new CallMesh(ann)
    starter.start()
    const second = new CallMesh(bob)
    expect(second.join([ann])).toEqual({ join: [ann], leave: [] })
    expect(starter.onJoin(bob)).toEqual({ reply: 'joined', participants: [ann, bob] })
    expect(second.onJoined(ann, [ann, bob])).toEqual({ join: [], leave: [] })
    // the third knows only the starter: the starter's reply names the second, and it offers there too
    const third = new CallMesh(cat)
    expect(third.join([ann])).toEqual({ join: [ann], leave: [] })
    const reply = starter.onJoin(cat)
    expect(reply).toEqual({ reply: 'joined', participants: [ann, bob, cat] })
    expect(third.onJoined(ann, reply.reply === 'joined' ? reply.participants : [])).toEqual({ join: [bob], leave: [] })
    expect(second.onJoin(cat)).toEqual({ reply: 'joined', participants: [bob, ann, cat] })
    expect(third.onJoined(bob, [bob, ann, cat])).toEqual({ join: [], leave: [] })
    for (const m of [starter, second, third]) expect(new Set(m.participants())).toEqual(new Set([ann, bob, cat]))
  })

  it('glare: the smaller PeerID\'s join stands, whether its reply or the other\'s join comes first', () => {
    expect(glareWinner(ann, bob)).toBe(ann)
    expect(glareWinner(bob, ann)).toBe(ann)
    for (const refusalFirst of [true, false]) {
      const small = new CallMesh(ann)
      const large = new CallMesh(bob)
      small.join([bob])
      large.join([ann])
      // the larger's join reaches the smaller, whose own is unanswered: refused
      expect(small.onJoin(bob)).toEqual({ reply: 'glare' })
      const sends = []
      if (refusalFirst) sends.push(large.onRefused(ann, 'glare'))
      // the smaller's join reaches the larger: it drops its own offer and answers
      const answer = large.onJoin(ann)
      expect(answer).toEqual({ reply: 'joined', participants: [bob, ann] })
      if (!refusalFirst) sends.push(large.onRefused(ann, 'glare'))
      // the refusal sends nothing either way
      expect(sends).toEqual([{ join: [], leave: [] }])
      small.onJoined(bob, answer.reply === 'joined' ? answer.participants : [])
      expect([small.pair(bob), large.pair(ann)]).toEqual(['open', 'open'])
    }
  })

  it('a full call refuses the next joiner, which leaves those it had joined; a call as big as a call holds is not joined at all', () => {
    const everyone = Array.from({ length: MAX_GROUP_CALL_PARTICIPANTS }, (_, i) => `12D3KooWP${i}`)
    const member = new CallMesh(everyone[0] ?? '')
    member.start()
    for (const peer of everyone.slice(1)) expect(member.onJoin(peer).reply).toBe('joined')
    expect(member.onJoin(dan)).toEqual({ reply: 'full' })
    const late = new CallMesh(dan)
    expect(late.join(everyone)).toBeUndefined()
    expect(late.inCall).toBe(false)
    // joined to two, refused by a third: it leaves the two, and the one still offering
    const racer = new CallMesh(dan)
    expect(racer.join([ann, bob, cat])?.join).toEqual([ann, bob, cat])
    racer.onJoined(ann, [ann, dan])
    expect(racer.onRefused(cat, 'full')).toEqual({ join: [], leave: [ann, bob, cat] })
    expect(racer.inCall).toBe(false)
  })

  it('a device that joins again (its network came back) replaces its pair; one that left is let go; a join outside the call is unknown', () => {
    const member = new CallMesh(ann)
    expect(member.onJoin(bob)).toEqual({ reply: 'unknown-call' })
    member.start()
    expect(member.onJoin(bob).reply).toBe('joined')
    expect(member.onJoin(bob)).toEqual({ reply: 'joined', participants: [ann, bob] })
    member.onLeave(bob)
    expect(member.participants()).toEqual([ann])
    expect(member.leave()).toEqual({ join: [], leave: [] })
    expect(member.onJoin(cat)).toEqual({ reply: 'unknown-call' })
  })

  it('a refusal other than full drops that pair only; replies to a join not made change nothing', () => {
    const joiner = new CallMesh(dan)
    joiner.join([ann, bob])
    expect(joiner.onRefused(ann, 'unknown-call')).toEqual({ join: [], leave: [] })
    expect(joiner.pair(ann)).toBeUndefined()
    expect(joiner.pair(bob)).toBe('offering')
    expect(joiner.onJoined(cat, [cat, ann])).toEqual({ join: [], leave: [] })
    expect(joiner.pair(cat)).toBeUndefined()
  })
})

import { expect, test } from './fixtures.ts'
import { befriendNew, createGroup, groupRow, invitation, joinGroup, memberList, messageTexts, openGroup, openGroupInfo } from './helpers/groups.ts'
import { attach, expectFileState, fileCard, png, saveFile } from './helpers/files.ts'
import { befriend, expectOnline, message, messages, nav, send } from './helpers/parley.ts'
import { setHidden, shownNotifications } from './helpers/notify.ts'
import { workerClock } from './helpers/clock.ts'
import { readRows } from '../support/page-db.ts'
import type { Page } from '@playwright/test'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'trio' })

/**
 * Groups in three browsers (issue 24): Alice makes a group with Bob and
 * Carol, who are her contacts but not each other's; both join; what each
 * writes reaches the other two and shows in the same order everywhere;
 * mentions; a file; the group's picture; per-member delivery; typing; Alice
 * removes Carol, who sees it and gets nothing after; Bob leaves; the member
 * lists agree.
 */

const GROUP = 'Weekend trip'

interface StoredGroup {
  id: string
  state: string
  members: Array<{ peer: string, role: string, name: string }>
}

async function storedGroup (page: Page, id: string): Promise<StoredGroup | undefined> {
  return (await readRows<StoredGroup>(page, 'groups')).find(g => g.id === id)
}

async function storedBodies (page: Page, id: string): Promise<string[]> {
  return (await readRows<{ groupId?: string, body: string }>(page, 'messages')).filter(m => m.groupId === id).map(m => m.body)
}

test('three people in a group: invitations, messages in one order, mentions, a file, a picture, removal and leaving @cross', async ({ alice, bob, carol }) => {
  test.setTimeout(240_000)
  const [a, b, c] = [alice.page, bob.page, carol.page]

  const groupId = await createGroup(a, GROUP, ['Bob', 'Carol'])
  await expect(a.getByTestId('member-count')).toHaveText('3 members')

  // each invitee sees who invited them and how many are in it, and joins
  for (const page of [b, c]) {
    await expect(invitation(page, GROUP)).toContainText('Alice invited you', { timeout: 30_000 })
    await expect(invitation(page, GROUP)).toContainText('3 members')
    await joinGroup(page, GROUP)
  }

  // Bob writes while Carol looks at her chats list: her row counts it, under his name
  await openGroup(b, GROUP)
  await send(b, 'Hi all, Bob here')
  await expect(groupRow(c, GROUP)).toContainText('Bob: Hi all, Bob here', { timeout: 30_000 })
  await expect(groupRow(c, GROUP).getByTestId('unread')).toHaveText('1')
  await openGroup(c, GROUP)
  await expect(message(c, 'Bob here')).toContainText('Bob')
  await expect(groupRow(c, GROUP).getByTestId('unread')).toHaveCount(0)

  // Carol writes to Bob, whom she does not know: it reaches both others, under her name
  await send(c, 'Carol says hello')
  await openGroup(a, GROUP)
  for (const page of [a, b]) await expect(message(page, 'Carol says hello')).toContainText('Carol', { timeout: 30_000 })
  await expect(message(a, 'Bob here')).toContainText('Bob')

  // Alice mentions Bob through the @ list: Bob's copy is marked, Carol's only shows the name
  const field = a.getByRole('textbox', { name: 'Message', exact: true })
  await field.fill('')
  await field.pressSequentially('See you there @B')
  const options = a.getByRole('listbox', { name: 'Members to mention' })
  await expect(options.getByRole('option')).toHaveText(['@Bob'])
  await field.press('Enter')
  await expect(field).toHaveValue('See you there @Bob ')
  await field.pressSequentially('bring the map')
  await field.press('Enter')
  await expect(message(a, 'bring the map')).toBeVisible()
  await expect(message(b, 'bring the map')).toHaveAttribute('data-mentions-me', '', { timeout: 30_000 })
  await expect(message(b, 'bring the map')).toContainText('Mentions you')
  await expect(message(b, 'bring the map').getByTestId('mention')).toHaveText('@Bob')
  await expect(message(c, 'bring the map').getByTestId('mention')).toHaveText('@Bob')
  await expect(message(c, 'bring the map')).not.toHaveAttribute('data-mentions-me')

  // one order on every device (the group's order: lamport, author, id)
  const texts = ['Hi all, Bob here', 'Carol says hello', 'See you there @Bob bring the map']
  for (const page of [a, b, c]) await expect.poll(async () => (await messageTexts(page)).length).toBe(3)
  const order = await messageTexts(a)
  expect([...order].sort()).toEqual([...texts].sort())
  expect(await messageTexts(b)).toEqual(order)
  expect(await messageTexts(c)).toEqual(order)

  // search finds a group's message: Carol sees the group and who wrote it, and the hit opens the group there
  await c.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click()
  await c.getByRole('searchbox', { name: 'Search in all chats' }).fill('bring the ma')
  const hits = c.getByRole('list', { name: 'Search results' }).getByRole('link')
  await expect(hits).toHaveCount(1)
  await expect(hits.first()).toContainText(GROUP)
  await expect(hits.first().locator('.from')).toHaveText('Alice:')
  await expect(hits.first()).toContainText('See you there @Bob bring the map')
  await hits.first().click()
  await expect(c).toHaveURL(new RegExp(`#/group/${groupId}/[0-9A-Z]{26}$`))
  await expect(message(c, 'bring the map')).toBeInViewport()

  // a file from Bob reaches both others, Carol pulling it from Bob, whom she does not know
  const list = Buffer.from('tent, stove, map\n'.repeat(200))
  await attach(b, { name: 'packing-list.txt', mimeType: 'text/plain', buffer: list })
  for (const page of [a, c]) await expectFileState(page, 'packing-list.txt', 'complete')
  expect((await saveFile(c, 'packing-list.txt')).equals(list)).toBe(true)
  await expect(fileCard(a, 'packing-list.txt')).toBeVisible()

  // Alice gives the group a picture: the others' rows show it
  await openGroupInfo(a, GROUP)
  await a.getByTestId('picture-input').setInputFiles({ name: 'sun.png', mimeType: 'image/png', buffer: png(300, 200, (x, y) => [240, 160 + (x % 60), y % 200]) })
  await expect(groupRow(b, GROUP).locator('img.group-avatar')).toBeVisible({ timeout: 30_000 })
  await expect(a.getByRole('button', { name: 'Remove picture' })).toBeVisible()
  await a.getByRole('link', { name: 'Back to the group' }).click()

  // the header names who is connected; the Info of Alice's message says where it is with each member
  await expect(a.getByTestId('online-members')).toContainText('Bob', { timeout: 30_000 })
  await expect(a.getByTestId('online-members')).toContainText('Carol')
  await message(a, 'bring the map').locator('.bubble').click({ button: 'right' })
  await a.getByRole('menuitem', { name: 'Info' }).click()
  const deliveries = a.getByTestId('group-deliveries').getByRole('listitem')
  await expect(deliveries).toHaveCount(2)
  for (const name of ['Bob', 'Carol']) await expect(deliveries.filter({ hasText: name })).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })
  await a.getByRole('button', { name: 'Close' }).click()

  // Bob types without sending: Alice and Carol see it under the messages; it goes once he sends
  await expect(c.getByTestId('online-members')).toContainText('Bob', { timeout: 30_000 })
  const bobsField = b.getByRole('textbox', { name: 'Message', exact: true })
  await bobsField.pressSequentially('On my way')
  for (const page of [a, c]) await expect(page.getByTestId('typing')).toHaveText('Bob is typing…')
  await expect(b.getByTestId('typing')).toHaveText('')
  await bobsField.press('Enter')
  for (const page of [a, c]) {
    await expect(message(page, 'On my way')).toBeVisible({ timeout: 30_000 })
    await expect(page.getByTestId('typing')).toHaveText('')
  }

  // Alice removes Carol: Carol sees it, and nothing written after reaches her
  await openGroupInfo(a, GROUP)
  await a.getByRole('button', { name: 'Remove Carol from the group' }).click()
  await a.getByRole('dialog', { name: 'Remove Carol?' }).getByRole('button', { name: 'Remove' }).click()
  await expect(a.getByRole('list', { name: 'Members' }).getByRole('listitem')).toHaveCount(2)
  await expect(c.getByTestId('group-note')).toHaveText('You were removed from this group.', { timeout: 30_000 })
  await expect(c.getByRole('textbox', { name: 'Message', exact: true })).toHaveCount(0)
  await a.getByRole('link', { name: 'Back to the group' }).click()
  await send(a, 'Only for Bob now')
  await send(b, 'Got it, Alice')
  await expect(message(b, 'Only for Bob now')).toBeVisible({ timeout: 30_000 })
  await expect(message(a, 'Got it, Alice')).toBeVisible({ timeout: 30_000 })
  // both reached the remaining member: Carol holds neither, and shows what she had
  expect(await storedBodies(c, groupId)).not.toContain('Only for Bob now')
  expect(await storedBodies(c, groupId)).not.toContain('Got it, Alice')
  await expect(messages(c)).toHaveCount(5)

  // Bob leaves; Alice's and Bob's member lists agree: Alice alone
  await openGroupInfo(b, GROUP)
  await b.getByRole('button', { name: 'Leave group' }).click()
  await b.getByRole('dialog', { name: `Leave ${GROUP}?` }).getByRole('button', { name: 'Leave group' }).click()
  await expect(b.getByTestId('group-note')).toHaveText('You left this group.')
  await openGroupInfo(a, GROUP)
  await expect(a.getByRole('list', { name: 'Members' }).getByRole('listitem')).toHaveCount(1, { timeout: 30_000 })
  expect(await memberList(a)).toEqual(['You (Owner)'])
  await expect.poll(async () => (await storedGroup(b, groupId))?.members.map(m => m.name)).toEqual(['Alice'])
  const [atAlice, atBob, atCarol] = [await storedGroup(a, groupId), await storedGroup(b, groupId), await storedGroup(c, groupId)]
  expect(atAlice?.members).toEqual(atBob?.members)
  expect([atAlice?.state, atBob?.state, atCarol?.state]).toEqual(['member', 'left', 'removed'])
  expect(atCarol?.members.map(m => m.name)).not.toContain('Carol')
})

test.describe('Alice and Bob', () => {
  // only Alice and Bob take part; notifications are the service worker's
  test.use({ prepared: 'pair', serviceWorkers: 'allow' })

  test('while the page is hidden, an invitation and a group\'s message each show a notification, and count as waiting', async ({ alice, bob }) => {
    await alice.context.grantPermissions(['notifications'])
    const [a, b] = [alice.page, bob.page]
    await expect.poll(async () => a.evaluate(async () => (await navigator.serviceWorker.ready).active?.state), { timeout: 30_000 }).toBe('activated')
    await nav(a).getByRole('link', { name: 'Chats' }).click()
    await a.getByRole('button', { name: 'Turn on' }).click()
    await expect(a).toHaveTitle('Parley')

    await setHidden(a, true)
    const groupId = await createGroup(b, 'Band practice', ['Alice'])
    await expect.poll(async () => shownNotifications(a), { timeout: 30_000 }).toEqual([
      { title: 'Group invitation', body: 'Bob invited you to Band practice', tag: 'group-invitations', href: '#/' }
    ])
    await expect(a).toHaveTitle('(1) Parley')

    await setHidden(a, false)
    await joinGroup(a, 'Band practice')
    await expect(a).toHaveTitle('Parley')
    await setHidden(a, true)
    await send(b, 'Saturday at 3?')
    await send(b, 'Bring the drums')
    // one notification for the group (its tag: the newer replaces the older), named after it, saying who wrote
    await expect.poll(async () => (await shownNotifications(a)).filter(n => n.tag !== 'group-invitations'), { timeout: 30_000 }).toEqual([
      { title: 'Band practice', body: 'Bob: Bring the drums', tag: `group-${groupId}`, href: `#/group/${groupId}` }
    ])
    await expect(a).toHaveTitle('(2) Parley')
    await expect(groupRow(a, 'Band practice').getByTestId('unread')).toHaveText('2')

    // back on screen, opening the group reads it
    await setHidden(a, false)
    await openGroup(a, 'Band practice')
    await expect(message(a, 'Bring the drums')).toBeVisible()
    await expect(a).toHaveTitle('Parley')
  })
})

test('Carol, offline, gets what Alice and Bob wrote once, from mailboxes, when she comes back', async ({ alice, bob, carol, app }) => {
  test.setTimeout(180_000)
  const [a, b, c] = [alice.page, bob.page, carol.page]
  await createGroup(a, 'Reading group', ['Bob', 'Carol'])
  for (const page of [b, c]) {
    await expect(invitation(page, 'Reading group')).toBeVisible({ timeout: 30_000 })
    await joinGroup(page, 'Reading group')
  }
  await openGroup(a, 'Reading group')
  await send(a, 'Chapter one by Friday')
  await openGroup(c, 'Reading group')
  await expect(message(c, 'Chapter one by Friday')).toBeVisible({ timeout: 30_000 })

  // Carol's only page closes, and her node with it; what is written now waits for her on relays
  await c.close()
  await send(a, 'Chapter two next week')
  await openGroup(b, 'Reading group')
  await send(b, 'Bob agrees')
  await expect(message(a, 'Chapter two next week')).toHaveAttribute('data-state', 'stored', { timeout: 60_000 })

  const back = await carol.context.newPage()
  await back.goto(app.url)
  await expectOnline(back)
  await openGroup(back, 'Reading group')
  for (const text of ['Chapter two next week', 'Bob agrees']) await expect(message(back, text)).toBeVisible({ timeout: 60_000 })
  await expect(messages(back)).toHaveCount(3)
  await expect.poll(async () => (await messageTexts(a)).length).toBe(3)
  expect(await messageTexts(back)).toEqual(await messageTexts(a))
  await expect(message(a, 'Chapter two next week')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 60_000 })
})

test.describe('with a clock in the node worker', () => {
  // the worker clock reaches nodes that start after it (helpers/clock.ts): all start at the welcome screen
  test.use({ prepared: undefined })

  test('disappearing messages in a group: Bob, a member, sets 5 minutes; everyone sees it; five minutes later what was sent since is gone from all three', async ({ browser, alice, bob, carol }) => {
    test.setTimeout(180_000)
    const clock = await workerClock(browser)
    try {
      const [a, b, c] = [alice.page, bob.page, carol.page]
      await befriend(a, b)
      await befriendNew(a, 'Alice', c, 'Carol')
      await createGroup(a, 'Short notice', ['Bob', 'Carol'])
      for (const page of [b, c]) {
        await expect(invitation(page, 'Short notice')).toBeVisible({ timeout: 30_000 })
        await joinGroup(page, 'Short notice')
      }
      await openGroup(a, 'Short notice')
      await send(a, 'kept: before the timer')

      await openGroup(b, 'Short notice')
      await openGroupInfo(b, 'Short notice')
      const choice = b.getByRole('group', { name: 'Disappearing messages' })
      await expect(choice.getByRole('radio', { name: 'Off' })).toBeChecked()
      await choice.getByRole('radio', { name: '5 minutes' }).check()
      await expect(choice.getByRole('radio', { name: '5 minutes' })).toBeChecked()
      await b.getByRole('link', { name: 'Back to the group' }).click()
      await openGroup(c, 'Short notice')
      for (const [page, note] of [[a, 'set by Bob'], [b, 'set by you'], [c, 'set by Bob']] as const) {
        await expect(page.getByRole('img', { name: 'Disappearing messages: 5 minutes' })).toBeVisible({ timeout: 30_000 })
        await expect(page.getByTestId('timer-note')).toHaveText(`Disappearing messages: 5 minutes, ${note}`)
      }

      await send(c, 'vanishing from Carol')
      for (const page of [a, b, c]) {
        await expect(message(page, 'vanishing from Carol').getByTitle('Disappearing message')).toBeAttached({ timeout: 30_000 })
        await expect(message(page, 'kept: before the timer')).toBeVisible()
        await expect(message(page, 'kept: before the timer').getByTitle('Disappearing message')).toHaveCount(0)
      }

      await clock.advance(5 * 60_000 + 10_000)
      for (const page of [a, b, c]) {
        await expect(message(page, 'vanishing from Carol')).toHaveCount(0, { timeout: 15_000 })
        await expect(message(page, 'kept: before the timer')).toBeVisible()
      }
    } finally {
      await clock.close()
    }
  })
})

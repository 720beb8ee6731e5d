import { expect, test } from './fixtures.ts'
import { chatRow, message, nav, send } from './helpers/parley.ts'

// people onboarded and befriended once per worker (tests/e2e/prepared.ts): the tests start from there
test.use({ prepared: 'pair' })

test.describe('unread messages in the chats list', () => {
  test('counted per chat, said in words (English and Russian), cleared once the chat is seen', async ({ alice, bob }) => {
    // an ongoing conversation: Alice has seen Bob's last message
    await send(bob.page, 'hello there')
    await expect(message(alice.page, 'hello there')).toBeVisible()
    // her chat has marked it read (Bob sees her receipt), so it is seen before she leaves the chat
    await expect(message(bob.page, 'hello there')).toHaveAttribute('data-state', 'read')
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(chatRow(alice.page, 'Bob')).toContainText('hello there')
    await expect(chatRow(alice.page, 'Bob').getByTestId('unread')).toHaveCount(0)

    await send(bob.page, 'alpha')
    await send(bob.page, 'bravo')
    await expect(chatRow(alice.page, 'Bob').getByTestId('unread')).toHaveText('2')
    await expect(chatRow(alice.page, 'Bob')).toHaveAccessibleName(/, 2 unread messages$/)
    await expect(chatRow(alice.page, 'Bob')).toContainText('bravo')

    // opening the chat reads them
    await chatRow(alice.page, 'Bob').click()
    await expect(message(alice.page, 'bravo')).toBeVisible()
    // a message that arrives while the chat is on screen is read at once
    await send(bob.page, 'seen as it comes')
    await expect(message(alice.page, 'seen as it comes')).toBeVisible()
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(chatRow(alice.page, 'Bob')).toContainText('seen as it comes')
    await expect(chatRow(alice.page, 'Bob').getByTestId('unread')).toHaveCount(0)
    await expect(chatRow(alice.page, 'Bob')).not.toHaveAccessibleName(/unread/)

    // in Russian, with the right plural form as the count grows (1, 2, 5), kept across a reload
    await alice.page.evaluate(() => { localStorage.setItem('parley.language', 'ru') })
    await alice.page.reload()
    await expect(chatRow(alice.page, 'Bob')).toBeVisible()
    await send(bob.page, 'charlie')
    await expect(chatRow(alice.page, 'Bob')).toHaveAccessibleName(/, 1 непрочитанное сообщение$/)
    await send(bob.page, 'delta')
    await expect(chatRow(alice.page, 'Bob')).toHaveAccessibleName(/, 2 непрочитанных сообщения$/)
    for (const text of ['echo', 'foxtrot', 'golf']) await send(bob.page, text)
    await expect(chatRow(alice.page, 'Bob')).toHaveAccessibleName(/, 5 непрочитанных сообщений$/)
    await alice.page.reload()
    await expect(chatRow(alice.page, 'Bob').getByTestId('unread')).toHaveText('5')
  })

  test('the first messages of a new contact are unread too', async ({ alice, bob }) => {
    await nav(alice.page).getByRole('link', { name: 'Chats' }).click()
    await expect(chatRow(alice.page, 'Bob')).toBeVisible()

    await send(bob.page, 'first ever')
    await send(bob.page, 'second ever')
    await expect(chatRow(alice.page, 'Bob')).toContainText('second ever')
    await expect(chatRow(alice.page, 'Bob').getByTestId('unread')).toHaveText('2')
    await expect(chatRow(alice.page, 'Bob')).toHaveAccessibleName(/, 2 unread messages$/)
  })
})

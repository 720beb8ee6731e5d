import { expect } from '@playwright/test'
import { addContact, messages, onboard, openScreen, readInvite } from './parley.ts'
import type { Locator, Page } from '@playwright/test'

/** Group steps a person takes in Parley, through the accessible UI (English). */

/** `page` (onboarded as `name`) and `other` (onboarded here as `otherName`) become contacts; each ends in the chat with the other. */
export async function befriendNew (page: Page, name: string, other: Page, otherName: string): Promise<void> {
  await onboard(other, otherName)
  const mine = await readInvite(page)
  const theirs = await readInvite(other)
  await addContact(page, theirs.invite, otherName)
  await addContact(other, mine.invite, name)
}

/** From the chats list: New group, a name, these contacts ticked, Create; ends in the group's chat. */
export async function createGroup (page: Page, name: string, members: readonly string[]): Promise<string> {
  await openScreen(page, 'Chats')
  await page.getByRole('main').getByRole('link', { name: 'New group' }).click()
  await expect(page.getByRole('heading', { name: 'New group', level: 1 })).toBeVisible()
  await page.getByLabel('Group name').fill(name)
  const picker = page.getByRole('group', { name: 'Members' })
  for (const member of members) await picker.getByRole('checkbox', { name: member }).check()
  await expect(picker.getByRole('status')).toHaveText(`${members.length} ${members.length === 1 ? 'contact' : 'contacts'} chosen`)
  await page.getByRole('button', { name: 'Create group' }).click()
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible()
  const groupId = /#\/group\/([0-9a-f]{32})$/.exec(page.url())?.[1]
  if (groupId === undefined) throw new Error(`not in a group's chat after creating it: ${page.url()}`)
  return groupId
}

/** The invitation to group `name` in the chats list. */
export function invitation (page: Page, name: string): Locator {
  return page.getByRole('list', { name: 'Group invitations' }).getByRole('listitem').filter({ hasText: name })
}

/** Joins group `name` from its invitation in the chats list. */
export async function joinGroup (page: Page, name: string): Promise<void> {
  await openScreen(page, 'Chats')
  await invitation(page, name).getByRole('button', { name: `Join ${name}` }).click()
  await expect(invitation(page, name)).toHaveCount(0)
  await expect(groupRow(page, name)).toBeVisible()
}

/** Group `name`'s row in the chats list. */
export function groupRow (page: Page, name: string): Locator {
  return page.getByRole('list', { name: 'Chats' }).getByRole('link', { name: new RegExp(`^${name} ?, group`) })
}

/** Opens group `name`'s chat from the chats list. */
export async function openGroup (page: Page, name: string): Promise<void> {
  await openScreen(page, 'Chats')
  await groupRow(page, name).click()
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible()
}

/** Opens the open group's info from its header. */
export async function openGroupInfo (page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: `Group info for ${name}` }).click()
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible()
}

/** The texts of the messages the log shows, in its order. */
export async function messageTexts (page: Page): Promise<string[]> {
  return messages(page).locator('p.body').allInnerTexts()
}

/** The group's members as its info lists them: "name (role)", "You" for the reader. */
export async function memberList (page: Page): Promise<string[]> {
  const items = page.getByRole('list', { name: 'Members' }).getByRole('listitem')
  return (await items.evaluateAll(rows => rows.map(row => {
    const name = row.querySelector('.name')?.textContent?.trim() ?? ''
    const role = row.querySelector('.role')?.textContent?.trim() ?? ''
    return `${name} (${role})`
  })))
}

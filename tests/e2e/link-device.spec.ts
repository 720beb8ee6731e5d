import { expect, test } from './fixtures.ts'
import { message, nav, openChat, openScreen, send } from './helpers/parley.ts'

/**
 * Linking a device (issue 58, increment 2): a fresh browser at 360×780 is
 * Alice's phone; her laptop (prepared: onboarded, Bob a contact) links it
 * by the QR code the phone shows, read from a screenshot by the laptop's
 * own scanner. Fan-out (Bob's messages reaching both) comes with a later
 * increment; this shows the link itself and the state it moves.
 */
test.use({ prepared: 'pair' })

test('Alice links her phone by its QR code: both show one code, she confirms on the laptop, the phone holds her chats and history under her account, and the laptop lists two devices', async ({ alice, carol }) => {
  test.slow()
  const laptop = alice.page
  const phone = carol.page
  await phone.setViewportSize({ width: 360, height: 780 })
  await send(laptop, 'written before the link')

  await phone.getByRole('button', { name: 'Link to an existing Parley' }).click()
  const qr = phone.getByRole('img', { name: 'QR code to link this device' })
  await expect(qr).toBeVisible({ timeout: 60_000 })
  await expect(phone.getByText('Waiting for your other device…')).toBeVisible()
  // and, under it, the short code to type where there is no camera (its offer on the relay)
  await expect(phone.getByRole('status', { name: /Or type this code on the other device/ })).toHaveText(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
  const png = await qr.screenshot()

  await openScreen(laptop, 'Settings')
  await laptop.getByRole('button', { name: 'Link a device' }).click()
  await laptop.getByLabel('Scan from image file').setInputFiles({ name: 'link.png', mimeType: 'image/png', buffer: png })

  const laptopCode = laptop.getByRole('status', { name: 'Confirmation code' })
  const phoneCode = phone.getByRole('status', { name: 'Confirmation code' })
  await expect(laptopCode).toBeVisible({ timeout: 60_000 })
  await expect(phoneCode).toBeVisible({ timeout: 30_000 })
  const code = await laptop.getByTestId('link-code').getAttribute('data-code')
  expect(code).toMatch(/^\d{6}$/)
  await expect(phone.getByTestId('link-code')).toHaveAttribute('data-code', code ?? '')
  await expect(phone.getByText('Linking to Alice’s Parley')).toBeVisible()
  // nothing moves before the person says the codes are the same
  await expect(phone.getByRole('progressbar')).toHaveCount(0)
  await laptop.getByRole('button', { name: 'Same code' }).click()

  await expect(laptop.getByText('The new device is linked: it is in the list of your devices.')).toBeVisible({ timeout: 60_000 })
  // the phone goes into the app by itself once its node runs on the stored profile
  await expect(nav(phone)).toBeVisible({ timeout: 60_000 })
  await openChat(phone, 'Bob')
  await expect(message(phone, 'written before the link')).toBeVisible()

  // the phone is one of Alice's devices: her account, not a new identity
  await openScreen(phone, 'Settings')
  await expect(phone.getByRole('list', { name: 'Your devices' }).getByRole('listitem')).toHaveCount(2)
  await laptop.reload()
  await openScreen(laptop, 'Settings')
  await expect(laptop.getByRole('list', { name: 'Your devices' }).getByRole('listitem')).toHaveCount(2)
  await expect(nav(laptop)).toBeVisible()
})

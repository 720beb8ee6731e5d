import type { EnTable } from '../table.ts'

/**
 * Strings of the 'groups' area (keys are used as `t('groups.<key>')`): group
 * rows and invitations in the chats list, New group, a group's chat and its
 * info, a group message's deliveries. `{name}` is a person's name and
 * `{group}` a group's: user data, rendered with translate="no"
 * (ui/Template.svelte) where they show as text.
 */
export const en = {
  newGroup: 'New group',
  /** after a group row's name, for screen readers */
  groupSuffix: ', group',
  invitations: 'Group invitations',
  invitedBy: '{name} invited you',
  members: { one: '{count} member', other: '{count} members' },
  accept: 'Join',
  decline: 'Decline',
  acceptLabel: 'Join {group}',
  declineLabel: 'Decline the invitation to {group}',
  /** the author before a group's last message in the chats list */
  from: '{name}:',
  leftNote: 'You left this group.',
  removedNote: 'You were removed from this group.',
  invitedNote: '{name} invited you to this group.',

  createTitle: 'New group',
  nameLabel: 'Group name',
  pickMembers: 'Members',
  searchContacts: 'Search contacts',
  searchPlaceholder: 'Search by name',
  noContacts: 'A group is made of your contacts: add someone first.',
  disappearingHelp: 'New messages in this group disappear from every member\'s device this long after they were sent. Any member can change it, and everyone sees the change.',
  noMatch: 'No contact matches “{query}”.',
  selected: { one: '{count} contact chosen', other: '{count} contacts chosen' },
  create: 'Create group',
  creating: 'Creating…',
  needName: 'Give the group a name.',
  needMembers: 'Choose at least one contact.',
  tooMany: 'A group has at most {max} members, you included.',
  cancel: 'Cancel',

  online: 'Online: {names}',
  noneOnline: 'No one else is connected',
  info: 'Group info',
  infoFor: 'Group info for {group}',
  readError: 'Could not read this group: {error}',
  notFoundTitle: 'Group not found',
  notFoundText: 'This group is not on this device.',
  mentionList: 'Members to mention',
  mentionHint: { one: '{count} member to mention: arrows choose, Enter puts the name in', other: '{count} members to mention: arrows choose, Enter puts the name in' },

  infoTitle: 'Group info',
  backToChat: 'Back to the group',
  membersHeading: 'Members',
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  you: 'You',
  makeAdmin: 'Make admin',
  makeAdminLabel: 'Make {name} an admin',
  makeMember: 'Remove as admin',
  makeMemberLabel: 'Remove {name} as admin',
  remove: 'Remove',
  removeLabel: 'Remove {name} from the group',
  removeTitle: 'Remove {name}?',
  removeText: 'They will get no new messages of this group.',
  rename: 'Rename',
  renameTitle: 'Rename the group',
  save: 'Save',
  changePicture: 'Change picture',
  removePicture: 'Remove picture',
  pictureNotImage: 'That file is not an image this browser can read (JPEG, PNG, GIF or WebP).',
  addMembers: 'Add members',
  add: 'Add to the group',
  noOneToAdd: 'Every contact of yours is in this group.',
  leave: 'Leave group',
  leaveTitle: 'Leave {group}?',
  leaveText: 'You will get no more messages of this group, and its members see that you left.',

  deliveries: 'Delivery',
  deliveryTo: 'To {name}',
  notYetMembers: 'No other member had it sent yet.',

  inviteTitle: 'Group invitation',
  inviteBody: '{name} invited you to {group}',
  messageBody: '{name}: {text}'
} as const satisfies EnTable

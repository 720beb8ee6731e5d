/** Names in group operations (groups.ts): a group's, as the user gives it; a member's, as an operation carries it. */
import { MAX_GROUP_NAME_CHARS } from '@parley/protocol/group/constants'
import { errorClass } from '../../contract/errors.ts'

export const GroupError = errorClass('GroupError')

/** A display name as an operation may carry it: at most 64 characters, no control characters, trimmed. */
export function memberName (name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 64).trim()
}

/** A group's name as the user gave it, trimmed; throws GroupError('groupNameInvalid') for an empty one, one too long, or one with control characters. */
export function checkName (name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > MAX_GROUP_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(trimmed)) throw new GroupError('groupNameInvalid', { max: MAX_GROUP_NAME_CHARS })
  return trimmed
}

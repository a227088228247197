import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { hashPassword, parsePasswordHash, verifyPassword } from './password.ts'

/** A user of the dev IdP, as stored in its users file. */
export interface DevUser {
  /** What the user types into the login form. */
  username: string
  /** `scrypt$N$r$p$salt$hash`, made by `hashPassword` or `coatcheck-dev-idp hash-password`. */
  passwordHash: string
  /** Stable subject identifier; defaults to `username`. */
  sub?: string
  /** OIDC claims released by scope: `name`, `email`, `email_verified`, `roles`, ... */
  claims: Record<string, unknown>
}

/** A user after loading: `sub` resolved. */
export interface ResolvedUser extends DevUser {
  sub: string
}

/** Looks users up by username (login form) and by subject (token and claims hooks). */
export interface UserDirectory {
  readonly users: readonly ResolvedUser[]
  findBySub(sub: string): ResolvedUser | undefined
  /** Returns the user when the password matches, otherwise undefined. */
  authenticate(username: string, password: string): Promise<ResolvedUser | undefined>
}

/** The seed users shipped with the package: alice (admin), bob (editor), carol (viewer). */
export const DEFAULT_USERS_FILE = fileURLToPath(new URL('../users.json', import.meta.url))

/**
 * Loads users from a JSON file (an array of {@link DevUser}) or takes them as given, checks
 * every entry once at start-up, and returns a frozen directory.
 */
export async function loadUsers(
  source: string | DevUser[] = DEFAULT_USERS_FILE,
): Promise<UserDirectory> {
  const raw: unknown =
    typeof source === 'string' ? JSON.parse(await readFile(source, 'utf8')) : source
  const where = typeof source === 'string' ? source : '`users`'
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new TypeError(`${where}: expected a non-empty JSON array of users`)
  }
  const users = raw.map((entry, index) => resolveUser(entry, `${where}[${index}]`))
  assertUnique(users, 'username', where)
  assertUnique(users, 'sub', where)
  return createDirectory(Object.freeze(users))
}

function resolveUser(entry: unknown, path: string): ResolvedUser {
  if (typeof entry !== 'object' || entry === null) {
    throw new TypeError(`${path}: expected an object`)
  }
  const { username, passwordHash, sub, claims } = entry as Partial<DevUser>
  if (typeof username !== 'string' || username.length === 0) {
    throw new TypeError(`${path}.username: expected a non-empty string`)
  }
  try {
    parsePasswordHash(passwordHash as string)
  } catch (error) {
    throw new TypeError(`${path}.passwordHash: ${(error as Error).message}`)
  }
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0)) {
    throw new TypeError(`${path}.sub: expected a non-empty string or no value`)
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TypeError(`${path}.claims: expected an object`)
  }
  return Object.freeze({
    username,
    passwordHash: passwordHash as string,
    sub: sub ?? username,
    claims: Object.freeze({ ...claims }),
  })
}

function assertUnique(users: ResolvedUser[], key: 'username' | 'sub', where: string): void {
  const seen = new Set<string>()
  for (const user of users) {
    if (seen.has(user[key])) throw new TypeError(`${where}: duplicate ${key} "${user[key]}"`)
    seen.add(user[key])
  }
}

function createDirectory(users: readonly ResolvedUser[]): UserDirectory {
  const byUsername = new Map(users.map((user) => [user.username, user]))
  const bySub = new Map(users.map((user) => [user.sub, user]))
  // Unknown usernames are checked against a throwaway hash so both paths cost one scrypt run:
  // an early return would let response times reveal which usernames exist.
  let decoy: Promise<string> | undefined
  return {
    users,
    findBySub: (sub) => bySub.get(sub),
    async authenticate(username, password) {
      const user = byUsername.get(username)
      decoy ??= hashPassword('decoy password, never matches')
      const matches = await verifyPassword(password, user?.passwordHash ?? (await decoy))
      return user !== undefined && matches ? user : undefined
    },
  }
}

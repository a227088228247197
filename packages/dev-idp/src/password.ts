import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

// scrypt cost: N=2^14, r=8, p=1 (RFC 7914 §2 recommends N=2^14 for interactive logins);
// enough for a development IdP, fast enough that tests stay quick.
const COST = 16384
const BLOCK_SIZE = 8
const PARALLELISM = 1
const KEY_LENGTH = 32
const SALT_LENGTH = 16
// Upper bounds for parameters read from a users file: a hand-edited hash with a huge N would
// otherwise let one login attempt allocate gigabytes.
const MAX_COST = 2 ** 20
const MAX_BLOCK_SIZE = 32
const MAX_PARALLELISM = 16

/** The parts of a `scrypt$N$r$p$salt$hash` string. */
interface ParsedHash {
  cost: number
  blockSize: number
  parallelism: number
  salt: Buffer
  hash: Buffer
}

/**
 * Hashes a password for the dev IdP's users file: scrypt with a random 16-byte salt, encoded
 * as `scrypt$<N>$<r>$<p>$<saltB64url>$<hashB64url>`.
 *
 * Use it (or `coatcheck-dev-idp hash-password <pw>`) to add users; the file never holds a
 * plain password.
 * @see https://www.rfc-editor.org/rfc/rfc7914
 */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new TypeError('hashPassword: `password` must be a non-empty string')
  }
  const salt = randomBytes(SALT_LENGTH)
  const hash = await deriveKey(password, {
    cost: COST,
    blockSize: BLOCK_SIZE,
    parallelism: PARALLELISM,
    salt,
    keyLength: KEY_LENGTH,
  })
  return [
    'scrypt',
    COST,
    BLOCK_SIZE,
    PARALLELISM,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$')
}

/**
 * Checks a password against a hash made by {@link hashPassword}, in constant time, so the
 * response time does not tell an attacker how many leading bytes matched.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded)
  const candidate = await deriveKey(password, { ...parsed, keyLength: parsed.hash.length })
  return timingSafeEqual(candidate, parsed.hash)
}

/**
 * Parses and bounds-checks a stored hash; throws a TypeError naming the expected format, so a
 * malformed users file fails at start-up rather than at the first login.
 */
export function parsePasswordHash(encoded: string): ParsedHash {
  const parts = typeof encoded === 'string' ? encoded.split('$') : []
  const [scheme, n, r, p, salt, hash] = parts
  const cost = Number(n)
  const blockSize = Number(r)
  const parallelism = Number(p)
  const valid =
    parts.length === 6 &&
    scheme === 'scrypt' &&
    isPowerOfTwo(cost) &&
    cost <= MAX_COST &&
    Number.isInteger(blockSize) &&
    blockSize >= 1 &&
    blockSize <= MAX_BLOCK_SIZE &&
    Number.isInteger(parallelism) &&
    parallelism >= 1 &&
    parallelism <= MAX_PARALLELISM &&
    isBase64url(salt) &&
    isBase64url(hash) &&
    Buffer.from(hash, 'base64url').length >= 16
  if (!valid) {
    throw new TypeError(
      'password hash must look like `scrypt$<N>$<r>$<p>$<salt>$<hash>` (make one with `coatcheck-dev-idp hash-password <password>`)',
    )
  }
  return {
    cost,
    blockSize,
    parallelism,
    salt: Buffer.from(salt, 'base64url'),
    hash: Buffer.from(hash, 'base64url'),
  }
}

function deriveKey(
  password: string,
  params: { cost: number; blockSize: number; parallelism: number; salt: Buffer; keyLength: number },
): Promise<Buffer> {
  const { cost, blockSize, parallelism, salt, keyLength } = params
  // scrypt needs 128 * N * r bytes; allow that plus headroom instead of Node's 32 MiB default.
  const maxmem = 256 * cost * blockSize + 1024 * 1024
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { N: cost, r: blockSize, p: parallelism, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 1 && (value & (value - 1)) === 0
}

function isBase64url(value: string | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]+$/.test(value)
}

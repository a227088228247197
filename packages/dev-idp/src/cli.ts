#!/usr/bin/env node
// The `coatcheck-dev-idp` command: runs the dev IdP, or hashes a password for a users file.
import { readFile } from 'node:fs/promises'
import { text } from 'node:stream/consumers'
import { parseArgs } from 'node:util'
import { startDevIdp } from './dev-idp.ts'
import type { ClientMetadata, DevApi } from './options.ts'
import { hashPassword } from './password.ts'
import { DEFAULT_USERS_FILE, loadUsers } from './users.ts'

const USAGE = `Usage:
  coatcheck-dev-idp [--port 9000] [--host localhost] [--issuer URL] [--users users.json]
                    [--clients clients.json] [--allow-production]
  coatcheck-dev-idp hash-password [password]   (reads stdin when no password is given)

--clients takes a JSON array of client metadata, or { "clients": [...], "apis": [...] }
where each API is { "audience": "https://api.example.test", "scopes": ["api:read"] }.
Development only: refuses NODE_ENV=production unless --allow-production.`

// Published in the README; printed only when the shipped users file is in use.
const SEEDED_PASSWORDS: Record<string, string> = {
  alice: 'wonderland',
  bob: 'builder',
  carol: 'marvel',
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '9000' },
      host: { type: 'string', default: 'localhost' },
      issuer: { type: 'string' },
      users: { type: 'string' },
      clients: { type: 'string' },
      'allow-production': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return void console.log(USAGE)
  if (positionals[0] === 'hash-password') {
    const password = positionals[1] ?? (await text(process.stdin)).replace(/\r?\n$/, '')
    return void console.log(await hashPassword(password))
  }
  if (positionals.length > 0) throw new TypeError(`unknown command "${positionals[0]}"\n\n${USAGE}`)

  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError('--port must be 0-65535')
  const usersFile = values.users ?? DEFAULT_USERS_FILE
  const { clients, apis } = values.clients === undefined ? {} : await readClients(values.clients)
  const idp = await startDevIdp({
    port,
    host: values.host,
    users: usersFile,
    allowProduction: values['allow-production'],
    ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
    ...(clients === undefined ? {} : { clients }),
    ...(apis === undefined ? {} : { apis }),
  })
  await printBanner(idp.issuer, usersFile, clients?.length ?? 0)

  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping the dev IdP`)
    idp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

async function readClients(path: string): Promise<{ clients?: ClientMetadata[]; apis?: DevApi[] }> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
  if (Array.isArray(parsed)) return { clients: parsed as ClientMetadata[] }
  if (typeof parsed === 'object' && parsed !== null) {
    return parsed as { clients?: ClientMetadata[]; apis?: DevApi[] }
  }
  throw new TypeError(
    `${path}: expected an array of clients or { "clients": [...], "apis": [...] }`,
  )
}

async function printBanner(issuer: string, usersFile: string, clientCount: number): Promise<void> {
  const seeded = usersFile === DEFAULT_USERS_FILE
  const { users } = await loadUsers(usersFile)
  console.log(`Coatcheck dev IdP (development only) at ${issuer}`)
  console.log(`Discovery: ${issuer}/.well-known/openid-configuration`)
  console.log(`Clients: ${clientCount}${clientCount === 0 ? ' (pass --clients clients.json)' : ''}`)
  console.log('Users:')
  for (const user of users) {
    const password = seeded ? ` / ${SEEDED_PASSWORDS[user.username] ?? '?'}` : ''
    const roles = Array.isArray(user.claims.roles) ? ` [${user.claims.roles.join(', ')}]` : ''
    console.log(`  ${user.username}${password}  ${String(user.claims.name ?? '')}${roles}`)
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})

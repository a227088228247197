// `npm start`: the whole demo on localhost. Ports come from DEMO_SPA_PORT, DEMO_VUE_PORT,
// COATCHECK_PORT, DEV_IDP_PORT and DEMO_API_PORT when set.
import { fileURLToPath } from 'node:url'
import { DEFAULT_PORTS, startDemo, type Demo } from './start-demo.ts'

const PORT_VARIABLES = {
  spa: 'DEMO_SPA_PORT',
  vue: 'DEMO_VUE_PORT',
  coatcheck: 'COATCHECK_PORT',
  idp: 'DEV_IDP_PORT',
  api: 'DEMO_API_PORT',
} as const

function readPort(variable: string, fallback: number): number {
  const value = process.env[variable]
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    console.error(`${variable} must be a port number from 0 to 65535, not "${value}".`)
    process.exit(2)
  }
  return port
}

const ports = {
  spa: readPort(PORT_VARIABLES.spa, DEFAULT_PORTS.spa),
  vue: readPort(PORT_VARIABLES.vue, DEFAULT_PORTS.vue),
  coatcheck: readPort(PORT_VARIABLES.coatcheck, DEFAULT_PORTS.coatcheck),
  idp: readPort(PORT_VARIABLES.idp, DEFAULT_PORTS.idp),
  api: readPort(PORT_VARIABLES.api, DEFAULT_PORTS.api),
}

let demo: Demo
try {
  console.log('Building the SPA and the Vue example…')
  demo = await startDemo({ ports, outDir: fileURLToPath(new URL('../dist/', import.meta.url)) })
} catch (error) {
  console.error(
    `The demo could not start: ${error instanceof Error ? error.message : String(error)}`,
  )
  console.error(`Ports can be changed with ${Object.values(PORT_VARIABLES).join(', ')}.`)
  process.exit(1)
}

console.log(`Coatcheck demo running:
  SPA (the "CDN")            ${demo.urls.spa}
  XSS lab                    ${demo.urls.spa}/#/xss-lab
  Vue example                ${demo.urls.vue}
  Coatcheck (the BFF)        ${demo.urls.coatcheck}
  Development IdP            ${demo.urls.idp}
  Demo API                   ${demo.urls.api}  (DPoP-only under ${demo.urls.api}/dpop)

Open ${demo.urls.spa} and sign in as alice / wonderland, bob / builder or carol / marvel.
Press Ctrl+C to stop.`)

async function shutDown(): Promise<void> {
  console.log('\nStopping the demo…')
  await demo.close()
  process.exit(0)
}

const stop = (signal: NodeJS.Signals) => {
  process.off('SIGINT', stop)
  process.off('SIGTERM', stop)
  // A second Ctrl+C while stopping means "now".
  process.once(signal, () => process.exit(1))
  void shutDown()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

import { startFastifyApp } from './support/apps/fastify-app.ts'
import { runBehaviourSuite } from './support/behaviour-suite.ts'

runBehaviourSuite('fastify', startFastifyApp)

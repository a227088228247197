import { startNodeApp } from './support/apps/node-app.ts'
import { runBehaviourSuite } from './support/behaviour-suite.ts'

runBehaviourSuite('node', startNodeApp)

#!/usr/bin/env node
// The CDK app (cdk.json): `cdk synth -c deployment=serverless -c environment=prod`.
import { App } from 'aws-cdk-lib';
import { addLatchkeyStacks } from '../src/app';

const app = new App();
addLatchkeyStacks(app);
app.synth();

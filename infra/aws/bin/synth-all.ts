#!/usr/bin/env node
// `pnpm infra:synth`: every deployment × environment synthesized offline (no AWS account, no
// credentials), each into infra/aws/cdk.out/<deployment>-<environment>, and a line per stack.
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addLatchkeyStacks } from '../src/app';
import { DEPLOYMENTS, ENVIRONMENTS } from '../src/config';

// infra/aws/dist/bin → infra/aws/cdk.out
const out = path.resolve(__dirname, '..', '..', 'cdk.out');
// Example values: synthesis needs them, a deployment names its own (docs/deploy-aws.md).
const defaults = {
  issuer: 'https://auth.example.com',
  audience: 'latchkey',
  certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000',
};
for (const deployment of DEPLOYMENTS) {
  for (const environment of ENVIRONMENTS) {
    const app = new App({
      outdir: path.join(out, `${deployment}-${environment}`),
      context: { ...defaults, deployment, environment },
    });
    addLatchkeyStacks(app);
    const assembly = app.synth();
    for (const stack of assembly.stacks) {
      const resources = Object.keys((stack.template as { Resources?: object }).Resources ?? {}).length;
      process.stdout.write(`${deployment} ${environment}: ${stack.stackName}, ${resources} resources\n`);
    }
  }
}
